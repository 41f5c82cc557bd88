"""What a C emitter receives (:class:`CContext`) and returns (:class:`CFragment`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...cost import Cost
from ...errors import CodegenError
from ...spec import Spec
from ...stages.fixed_point import is_fixed
from ..numeric import integer_for
from . import cgen


@dataclass
class Field:
    """One member of the generated state struct (or of a stage's scratch struct)."""

    ctype: str
    name: str
    count: int = 1  # array length; 1 = still emitted as an array of one for uniform access
    comment: str = ""

    @property
    def nbytes(self) -> int:
        return cgen.ctype_size(self.ctype) * max(1, int(self.count))


@dataclass
class CFragment:
    """The C an emitter contributes for one stage.

    - ``runtime``: runtime kernel base names to copy and ``#include`` (``"sf_tree"`` copies
      ``sf_tree.h`` and ``sf_tree.c`` if it exists from ``sensorflow/runtime/c``); ``sf_common``
      is always included.
    - ``tables``: file-scope C definitions (``static const`` tables, made with :mod:`cgen`),
      named with ``ctx.sym(...)``.
    - ``state``: :class:`Field` s kept across windows (in the one static state struct);
      refer to them as ``ctx.state("name")``.
    - ``scratch``: :class:`Field` s valid only during this stage's call; all stages' scratch
      share one union. Refer to them as ``ctx.scratch("name")``.
    - ``init``: statements run by ``<prefix>_init()`` after the state is zeroed.
    - ``code``: the body of the stage function (see :class:`CContext` for its signature).
    - ``returns_label``: model stages only: ``code`` ends with ``return <class index>;``.
      Otherwise the framework returns the first index of the largest score (numpy argmax).
    - ``helpers``: extra file-scope static functions the code calls.
    - ``stream_sample`` / ``stream_output``: only when ``ctx.streams_input`` and the stage can
      consume the stream frame by frame. Then ``<prefix>_push`` keeps no window of raw samples:
      ``stream_sample`` is the body of ``static void <func>_samples(const float *x, uint32_t n)``,
      run on the incoming frames of ``n_channels`` samples in order, ``n`` at a time, never past
      the end of a window (keep what later windows need in ``state``),
      and ``stream_output`` the body of ``static void <func>_stream(float *out)``, run when a
      window completes, writing what ``code`` would write for that window. ``code`` still
      serves ``<prefix>_features``/``_infer`` on a caller's window.
    - ``stream_sample_i16`` / ``i16_scale``: a fixed-point stage that streams int16 counts
      (q15 front end): the body of ``static void <func>_samples_i16(const int16_t *x, uint32_t n)``,
      the same as ``stream_sample`` on ``x[i] * i16_scale``, behind ``<prefix>_push_i16``.
    - ``params``: the stage function's C parameter list when it is not ``const float *in,
      float *out`` (a fixed-point stage run channel by channel: ``CContext.q15_channel``).
    - ``finite_output``: True only when the kernel provably writes finite values for every finite
      input (e.g. sf_logmel clamps the mel energies to [amin, FLT_MAX] before the log). When every
      stage before the model says so, the generated code skips the feature vector's non-finite
      check (the input check stays).
    """

    runtime: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    state: list[Field] = field(default_factory=list)
    scratch: list[Field] = field(default_factory=list)
    init: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    helpers: list[str] = field(default_factory=list)
    returns_label: bool = False
    finite_output: bool = False
    stream_sample: list[str] = field(default_factory=list)
    stream_output: list[str] = field(default_factory=list)
    stream_sample_i16: list[str] = field(default_factory=list)
    i16_scale: float = 0.0
    params: str = ""

    @property
    def streams(self) -> bool:
        return bool(self.stream_sample)

    def state_bytes(self) -> int:
        return sum(f.nbytes for f in self.state)

    def scratch_bytes(self) -> int:
        return sum(f.nbytes for f in self.scratch)


@dataclass
class CContext:
    """Everything an emitter may need about the stage being emitted.

    The stage becomes ``static <ret> <prefix>_s<index>(const float *in, float *out)``:

    ==========  ==============================================  =====================================
    role        ``in``                                          ``out``
    ==========  ==============================================  =====================================
    signal      ``input_spec.length * n_channels`` floats,      same layout, ``output_spec`` sized
                interleaved ``in[t * C + c]``
    feature     the signal as above                             this stage's slice of the feature
                                                                vector (``output_spec.size`` floats)
    vector      ``input_spec.size`` floats                      ``output_spec.size`` floats
    model       the feature vector                              ``n_classes`` scores; ``int`` return
    post        ``n_classes`` scores of the current window      ``n_classes`` outputs (> 0 = event)
    ==========  ==============================================  =====================================

    ``in`` and ``out`` never alias. Signal and feature stages run on every window from a
    fresh state (host and device agree window by window): if they keep state (a biquad's
    delay line), reset it at the top of ``code``. Post stages keep state across windows.
    """

    stage: Any
    index: int
    prefix: str
    board: Any = None  # sensorflow.device.boards.Board or None (host)
    input_spec: Spec | None = None
    output_spec: Spec | None = None
    hop: int = 0  # samples between windows (post stages measure time in windows * hop)
    sample_rate: float = 0.0
    # the stage is the pipeline's only consumer of the raw window (the first step, alone):
    # it may take over the streaming path (see CFragment.stream_sample)
    streams_input: bool = False
    numeric: str = "auto"  # export --numeric: auto | float | int8 (sensorflow.codegen.numeric)
    # window.pad: valid: C expression (uint32_t) of the window's valid samples, for feature stages
    # whose computes_over_valid_length() is True (read it instead of input_spec.length); else ""
    n_valid: str = ""
    # integer pipeline (library.fused_codes): the q15 log-mel writes the int8 model's input
    # codes itself; log-mel: {"dst", "mult", "shift", "zp"}; model: {"state": True}
    int8_codes: dict | None = None
    # fixed-point stats / band_energy of one step with the same q15 scale (library.shared_counts):
    # the step runs them channel after channel on one quantisation of the channel, so the stage
    # emits ``static void <func>(const int16_t *cnt, uint32_t ch, float *out)`` (CFragment.params):
    # channel ch's L int16 counts in ``cnt`` (the scratch field ``q15_counts`` its scratch starts
    # with), its slice of the feature vector in ``out``
    q15_channel: bool = False

    @property
    def role(self) -> str:
        return self.stage.tags.role

    @property
    def fpu(self) -> str:
        return getattr(self.board, "fpu", "single") if self.board is not None else "single"

    @property
    def integer(self) -> bool:
        """Take this stage's integer path, if it has one (``codegen.numeric.integer_for``; a
        fixed-point stage, ``q15_scale``, always does)."""
        return is_fixed(self.stage) or integer_for(self.stage.name, self.numeric, self.fpu, self.stage)

    def sym(self, name: str) -> str:
        """File-scope identifier for this stage's table or helper: ``<prefix>_s<i>_<name>``."""
        return f"{self.prefix}_s{self.index}_{cgen.identifier(name)}"

    def state(self, name: str) -> str:
        """C lvalue of a state field declared in ``CFragment.state``."""
        return f"{self.prefix}_state.s{self.index}_{cgen.identifier(name)}"

    def scratch(self, name: str) -> str:
        """C lvalue of a scratch field declared in ``CFragment.scratch``."""
        return f"{self.prefix}_state.scratch.s{self.index}.{cgen.identifier(name)}"

    @property
    def func(self) -> str:
        return f"{self.prefix}_s{self.index}"


@dataclass
class EmittedStage:
    """A fragment bound to its stage, as the generator lays it out."""

    ctx: CContext
    fragment: CFragment
    out_offset: int = 0  # feature stages: where their slice starts in the feature vector
    estimated: Cost | None = None

    @property
    def uses_in(self) -> bool:
        return _mentions(self.fragment, "in")

    @property
    def uses_out(self) -> bool:
        return _mentions(self.fragment, "out") or (self.ctx.role == "model" and not self.fragment.returns_label)

    def require(self, cond: bool, message: str) -> None:
        if not cond:
            raise CodegenError(f"stage {self.ctx.index} '{self.ctx.stage.name}': {message}")


def _mentions(fragment: CFragment, name: str) -> bool:
    pat = re.compile(rf"\b{name}\b")
    return any(pat.search(line) for line in fragment.code)
