"""Moved to :mod:`sensorflow.device.boards`; this name re-exports it for the code generators and
older imports (``from sensorflow import boards``)."""

from .device.boards import *  # noqa: F401,F403
from .device.boards import BOARDS_DIR, ENV_PATH, all_boards, board_files, get, load_file, names, parse, search_dirs  # noqa: F401
