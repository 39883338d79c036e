"""The entry point's options, and what start-up does not load (the video stack stays lazy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from desktop.app import build_app_services, default_config, parse_options
from desktop.domain.app_settings import REMOTE
from desktop.storage.credentials import CredentialStore
from tests.desktop.services.harness import MemoryKeyring


def test_options_are_parsed_and_passed_on(tmp_path: Path) -> None:
    options = parse_options(
        ["teleconsult", "--server", "cabinet.example.fr:8765", "--fake-media", "-style", "fusion"]
    )
    assert options.server == "cabinet.example.fr:8765" and options.fake_media
    import os

    os.environ["TELECONSULT_DESKTOP_HOME"] = str(tmp_path)
    try:
        config = default_config(options)
    finally:
        del os.environ["TELECONSULT_DESKTOP_HOME"]
    assert config.fake_media and config.data_dir == tmp_path / "data"
    services = build_app_services(config, CredentialStore(MemoryKeyring()))
    settings = services.session.settings
    assert settings.server_mode == REMOTE and settings.server_url == "http://cabinet.example.fr:8765"
    assert not services.session.needs_server_choice  # --server skips the first-run question
    assert not parse_options(["teleconsult"]).fake_media


def test_start_up_loads_neither_aiortc_nor_av() -> None:
    """The media stack (aiortc, PyAV, numpy: ~0.5 s) loads on the first call, never at start-up;
    PDFium on the first PDF preview."""
    heavy = ("aiortc", "aioice", "av", "numpy", "reportlab", "server", "pypdfium2")
    code = (
        "import json, sys; import desktop.app, desktop.ui.app_controller, desktop.ui.entry; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert json.loads(out.stdout) == []
