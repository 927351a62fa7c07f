"""What the workspace browser tests share: screenshots into a folder, and the app's theme switch."""
from __future__ import annotations

import time
from pathlib import Path


def shot(duo, folder: Path, name: str) -> None:
    """Save the page as ``folder/name.png`` (the folder is made when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    duo.driver.save_screenshot(str(folder / f"{name}.png"))


def set_dark(duo, on: bool, settle: float = 1.5) -> None:
    """Put the navbar theme switch to dark (``on``) or light, then let the charts restyle."""
    from components.ids import App

    box = duo.driver.find_element("css selector", f"#{App.THEME_SWITCH}")
    if box.is_selected() != on:
        duo.driver.execute_script("arguments[0].click()", box)
        time.sleep(settle)
