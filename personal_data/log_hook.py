"""Masks personal data in everything a process logs, however it logs it: stdlib logging
records (messages, tracebacks and stack traces), structlog lines and uncaught exceptions.

It is installed when any Python process of the venv starts (rasa_server/startup.py, run by
the .pth file `make install` writes): `rasa run`, `rasa shell`, `rasa test`, `rasa run
actions`, `python -m ...`, pytest. That is before anything is imported, so the hooks for
logging and structlog are set when those modules are first imported: a process that never
logs pays nothing, and structlog (50 ms to import) is not loaded for nothing.

Rasa's own structlog setup (`rasa` commands) writes every event through a stdlib logger, so
those lines are masked as log records; until something configures structlog, its default
prints straight to stdout, so a last processor masks the printed line.
"""

import importlib.machinery
import sys
from types import ModuleType
from typing import Callable, Dict

# No typing import: this module is loaded by every Python process of the venv.

_MARK = "masks_personal_data"


def install() -> None:
    """Masks personal data in this process's logs from now on (idempotent)."""
    when_imported("logging", _mask_log_records)
    when_imported("structlog", _mask_unconfigured_structlog)
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _print_masked_exception
    when_imported("threading", _mask_thread_exceptions)


# --- running code once a module is imported ---
class _AfterImport:
    """A meta path finder that runs a callback right after a module's first import."""

    def __init__(self) -> None:
        self.pending: Dict[str, Callable[[ModuleType], None]] = {}  # module name -> callback(module)

    def find_spec(self, name, path=None, target=None):
        callback = self.pending.pop(name, None)
        if callback is None:
            return None
        if not self.pending:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_module = spec.loader.exec_module

        def run_module_then_callback(module) -> None:
            run_module(module)
            _run_safely(callback, module)

        spec.loader.exec_module = run_module_then_callback
        return spec


_after_import = _AfterImport()


def when_imported(name: str, callback) -> None:
    """Runs callback(module) right after the module's first import (now, if it is imported)."""
    if name in sys.modules:
        _run_safely(callback, sys.modules[name])
        return
    _after_import.pending[name] = callback
    if _after_import not in sys.meta_path:
        sys.meta_path.insert(0, _after_import)


def _run_safely(callback, module) -> None:
    # A failing hook must not break the import it rides on, but it must not go unnoticed.
    try:
        callback(module)
    except Exception as error:  # noqa: BLE001
        sys.stderr.write(f"warning: start-up hook for {module.__name__} not installed: {error!r}\n")


# --- stdlib logging ---
def _mask_log_records(logging) -> None:
    make_record = logging.getLogRecordFactory()
    if not getattr(make_record, _MARK, False):
        logging.setLogRecordFactory(_masking_record_factory(logging, make_record))


def _masking_record_factory(logging, make_record):
    from personal_data.masking import mask_personal_data

    formatter = logging.Formatter()

    def make_masked_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: logging reports it when the record is emitted
            return record
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        # Formatters print exc_text as it is once it is set.
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_personal_data(formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return record

    setattr(make_masked_record, _MARK, True)
    return make_masked_record


# --- structlog before anything configures it ---
def _mask_unconfigured_structlog(structlog) -> None:
    if not structlog.is_configured():
        structlog.configure(processors=[*structlog.get_config()["processors"], _mask_printed_line])


def _mask_printed_line(_logger, _method_name, line):
    """The last processor: the rendered line, tracebacks included, masked."""
    from personal_data.masking import mask_personal_data

    return mask_personal_data(line) if isinstance(line, str) else line


# --- uncaught exceptions ---
def _masked_traceback(exc_type, exc_value, exc_traceback) -> str:
    import traceback

    from personal_data.masking import mask_personal_data

    return mask_personal_data("".join(traceback.format_exception(exc_type, exc_value, exc_traceback)))


def _print_masked_exception(exc_type, exc_value, exc_traceback) -> None:
    sys.stderr.write(_masked_traceback(exc_type, exc_value, exc_traceback))


def _mask_thread_exceptions(threading) -> None:
    if threading.excepthook is not threading.__excepthook__:
        return

    def print_masked_thread_exception(args) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else threading.get_ident()
        sys.stderr.write(f"Exception in thread {name}:\n")
        sys.stderr.write(_masked_traceback(args.exc_type, args.exc_value, args.exc_traceback))

    threading.excepthook = print_masked_thread_exception
