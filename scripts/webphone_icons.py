"""Draw the webphone's app icons (the web app manifest's) from the brand mark.

The mark is the one of components/BrandMark.tsx: the white phone on the brand
blue (#1f5fbf, app.css `--color-brand`). Debian's headless Chromium renders the
SVG at each size and writes the PNGs the manifest names, in webphone/public/
(Vite copies them into dist/ and the service worker precaches them):

    .venv/bin/python scripts/webphone_icons.py

- icon-192.png, icon-512.png: the rounded square, as in the top bar;
- icon-maskable-512.png: full-bleed blue with the phone inside the central 60 %,
  so that any mask (circle, squircle) the platform cuts keeps it whole;
- apple-touch-icon.png (180 px): full-bleed too, iOS rounds it itself.

Run it again after changing the mark; the outputs are committed.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.webphone import CHROMIUM

PUBLIC = Path(__file__).resolve().parent.parent / "webphone" / "public"
BRAND = "#1f5fbf"
# BrandMark.tsx's path (Lucide's phone), drawn with a 2-unit stroke in a 24-unit box.
PHONE = ("M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 "
         "2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 "
         "0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z")


def svg(size: int, *, rounded: bool, glyph: float) -> str:
    """The mark at `size` px: glyph is the phone's share of the side (0.55 in BrandMark)."""
    radius = size * 10 / 40 if rounded else 0  # BrandMark: 10 px corners on a 40 px square
    box = size * glyph
    offset = (size - box) / 2
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"
  viewBox="0 0 {size} {size}">
  <rect width="{size}" height="{size}" rx="{radius}" fill="{BRAND}"/>
  <svg x="{offset}" y="{offset}" width="{box}" height="{box}" viewBox="0 0 24 24" fill="none"
    stroke="white" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
    <path d="{PHONE}"/>
  </svg>
</svg>"""


ICONS = {
    "icon-192.png": (192, True, 0.55),
    "icon-512.png": (512, True, 0.55),
    "icon-maskable-512.png": (512, False, 0.45),
    "apple-touch-icon.png": (180, False, 0.5),
}


def main() -> None:
    PUBLIC.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        for name, (size, rounded, glyph) in ICONS.items():
            page = browser.new_page(viewport={"width": size, "height": size},
                                    device_scale_factor=1)
            page.set_content(f"<style>html,body{{margin:0;background:transparent}}</style>"
                             f"{svg(size, rounded=rounded, glyph=glyph)}")
            page.locator("svg").first.screenshot(path=str(PUBLIC / name), omit_background=True)
            page.close()
            print(f"{PUBLIC / name} ({size}x{size})")
        browser.close()


if __name__ == "__main__":
    main()
