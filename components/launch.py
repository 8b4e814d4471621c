"""``ft-dashboard`` (and ``python -m components``): start the dashboard on a folder of training runs.

The habit it serves is ``tensorboard --logdir runs/``: one installed command, the folder the trainer is
writing, a page to open. It only turns its options into the settings the app already reads
(``DASHBOARD_RUNS_DIR``, ``DASHBOARD_STORE``) and Streamlit's own server flags, then becomes
``streamlit run app.py``: the same app as the repository's ``scripts/dashboard.sh``.

The app's Streamlit configuration (``.streamlit/config.toml``: headless, no usage statistics, the viewer's
menu, no error details, the upload limit, the themes) is read where the app is installed and passed as
flags, because Streamlit looks for that file only in the current folder and the user's home; a file in the
current folder still applies, and anything after ``--`` goes to Streamlit unchanged. The command prints the
address itself and hides Streamlit's welcome message: headless Streamlit asks checkip.amazonaws.com for an
"External URL" to print there, a host nobody configured.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

DISTRIBUTION = "ft-checkpoint-dashboard"
COMMAND = "ft-dashboard"
APP_FILE = "app.py"
CONFIG_FILE = Path(".streamlit") / "config.toml"
EPILOG = """\
Every other setting comes from the environment or .streamlit/secrets.toml, as README's Configuration says
(OPENAI_API_KEY, AZURE_OPENAI_*, TOGETHER_API_KEY, ...). Arguments after -- go to `streamlit run`.

  ft-dashboard --logdir runs/                 the runs in runs/, at http://localhost:8501
  ft-dashboard --logdir a/ --logdir b/ --port 8600 --host 0.0.0.0
  ft-dashboard --store postgresql+psycopg://dashboard@db/dashboard -- --server.maxUploadSize 64
"""


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """The command's options, and what follows ``--`` for Streamlit."""
    argv = list(argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description="Read fine-tuning runs and choose the checkpoint to deploy, in the browser.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--logdir",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a folder of training runs (repeatable): Trainer output folders, event files, logs",
    )
    parser.add_argument("--store", metavar="URL", help="the archive: a SQLite path or a database URL")
    parser.add_argument("--port", type=int, default=8501, help="the port to serve on (default 8501)")
    parser.add_argument("--host", default=None, help="the address to listen on (default: every address)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    return parser.parse_args(argv), extra


def installed_version() -> str:
    """The installed package's version, or "from a checkout" when run from the repository."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "(from a checkout)"


def app_folder() -> Path:
    """Where ``app.py`` is: beside the ``components`` package in a checkout, else where pip put it."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / APP_FILE).is_file():
        return checkout
    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == APP_FILE and file.parent.name == DISTRIBUTION:
            return Path(str(file.locate())).resolve().parent
    raise SystemExit(f"{COMMAND}: {APP_FILE} is not installed; reinstall with `pip install .`")


def config_flags(config: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """``--section.option=value`` for every option of a parsed ``config.toml`` (nested sections too)."""
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from config_flags(value, f"{name}.")
        else:
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            yield f"--{name}={shown}"


def streamlit_argv(folder: Path, args: argparse.Namespace, extra: Sequence[str]) -> list[str]:
    """``python -m streamlit run <app.py>`` with the app's config, the server flags and the extras."""
    config_path = folder / CONFIG_FILE
    config = tomllib.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    server = [f"--server.port={args.port}", "--logger.hideWelcomeMessage=true"]
    if args.host:
        server.append(f"--server.address={args.host}")
    run = [sys.executable, "-m", "streamlit", "run", str(folder / APP_FILE)]
    return [*run, *config_flags(config), *server, *extra]


def address(args: argparse.Namespace) -> str:
    """The address to open, as the server will listen (a wildcard host is reached as localhost)."""
    host = args.host if args.host and args.host not in {"0.0.0.0", "::"} else "localhost"
    return f"http://[{host}]:{args.port}" if ":" in host else f"http://{host}:{args.port}"


def settings_env(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, str]:
    """The environment with the command's folders and store as the app's settings."""
    merged = dict(env)
    if args.logdir:
        missing = [str(folder) for folder in args.logdir if not folder.is_dir()]
        if missing:
            raise SystemExit(f"{COMMAND}: not a folder: {', '.join(missing)}")
        merged["DASHBOARD_RUNS_DIR"] = os.pathsep.join(str(folder.resolve()) for folder in args.logdir)
    if args.store:
        merged["DASHBOARD_STORE"] = args.store
    return merged


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, then replace this process with the Streamlit server."""
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    env = settings_env(args, os.environ)
    command = streamlit_argv(app_folder(), args, extra)
    runs = ", ".join(env["DASHBOARD_RUNS_DIR"].split(os.pathsep)) if args.logdir else "no --logdir"
    print(f"{COMMAND}: {address(args)}  (runs: {runs}; Ctrl+C stops it)", flush=True)
    os.execve(command[0], command, env)
