"""C code generation: one pipeline library per artifact (``<prefix>.h/.c`` + runtime kernels).

EMITTER API (how a stage gets into the generated C)
=====================================================
An emitter is a function registered by stage name; the generator looks it up by ``stage.name``::

    from sensorflow.codegen.c import c_emitter, CFragment, Field, cgen

    @c_emitter("band_energy")                      # one or more stage names
    def emit_band_energy(stage, ctx) -> CFragment:  # stage: the fitted, bound Stage
        n_in, n_out = ctx.input_spec.size, ctx.output_spec.size
        return CFragment(
            runtime=["sf_spectral"],                 # copies sf_spectral.h/.c, #includes the .h
            tables=[cgen.array(ctx.sym("edges"), "uint16_t", edges)],   # static const, in flash
            state=[Field("float", "hist", 8)],       # kept across calls: ctx.state("hist")
            scratch=[Field("float", "buf", 512)],    # only during this call: ctx.scratch("buf")
            init=[f"sf_foo_init(&{ctx.state('inst')}, ...);"],          # run by <prefix>_init()
            code=[f"sf_band_energy_f32(in, {ctx.sym('edges')}, out, {n_out});"],
        )

Each stage becomes ``static void <prefix>_s<i>(const float *in, float *out)`` with ``code``
as its body (``int`` return for model stages: either set ``returns_label=True`` and end with
``return <class index>;`` or let the framework return numpy-argmax of ``out``). What ``in``
and ``out`` hold per role (signal / feature / vector / model / post) is in
:class:`~sensorflow.codegen.c.fragment.CContext`. Rules:

- Call hand-written runtime kernels (``sensorflow/runtime/c/sf_*.h/.c``); do not inline whole
  algorithms as strings. Kernels include ``sf_common.h`` for ``sf_status`` and helpers.
  A kernel's external functions and tables are declared in its header at the start of a line
  (not ``static``): exports rename them to ``<prefix>_sf_...`` (``codegen.c.namespace``), and
  ``tests/codegen/test_build_files.py`` fails on one left out.
- Names: ``ctx.sym(x)`` for file-scope tables/helpers, ``ctx.state(x)`` / ``ctx.scratch(x)``
  for the fields you declared. Never declare globals yourself: all RAM is the one state struct.
- Tables: ``cgen.array(name, ctype, values)`` prints ``static const`` arrays; floats are
  printed so float32 round-trips bit-exactly (``cgen.f32``). Float literals need an ``f``.
- Signal/feature stages run per window from a fresh state: reset any state at the top of
  ``code``. Post stages keep state across windows (``ctx.hop`` / ``ctx.sample_rate`` give time).
- ``ctx.board`` is the target board (``None`` for host-only builds); ``ctx.fpu`` is
  ``none|single|double``. No double arithmetic: code must build under
  ``-Wall -Wextra -Werror -Wdouble-promotion -Wfloat-conversion -std=c99``.
- Register the module: put it in ``sensorflow/codegen/c/emitters/``; every module there is
  imported (``pkgutil``) on the first look-up, no list to edit.

Testing an emitter: ``h = sensorflow.testing.ccompare.build(pipeline, tmp_path, sanitize=True)``
compiles the generated C with the host cc (ASan/UBSan with ``sanitize=True``) and returns a
harness with ``features(windows)``, ``infer(windows)``, ``classify(features)`` and
``stream(samples, chunk_sizes)`` to compare with ``pipeline.transform`` / ``predict_proba`` /
``stream``. ``ccompare.run_stage(stage, X, tmp_path)`` runs one bound stage alone.
``tests/codegen/test_stage_c.py`` runs that for every registered stage's ``examples()``.
"""

from . import cgen
from .fragment import CContext, CFragment, Field
from .library import GeneratedC, generate
from .registry import c_emitter

__all__ = ["CContext", "CFragment", "Field", "GeneratedC", "c_emitter", "cgen", "generate"]
