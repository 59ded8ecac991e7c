"""The installable, offline-capable webphone on the real stack.

Loaded online, the service worker installs, precaches the app shell and controls the page.
Offline, a reload comes up from its cache and says "Sin conexión" (config.json, each stack's
settings, is never cached, so the app cannot start) with a retry that waits for the network
and reloads once it is back; signed in, losing the network shows banner-offline. The manifest
is served with its type and its icons are there.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.e2e.webphone import sign_in

# A supervisor: no desk that registers a phone or takes a state.
PERSON = "supervisor2@demo.test"


def wait_controlled(page: Page) -> None:
    """The service worker is active (the shell precached) and controls this page."""
    page.wait_for_function("() => 'serviceWorker' in navigator")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_offline_the_app_comes_up_from_the_cache_and_says_so(stack, new_page, axe_check,
                                                             screenshot):
    page = new_page()
    expect(page.locator("[data-test='sign-in-form']")).to_be_visible()
    wait_controlled(page)
    expect(page.locator("[data-test='sign-in-form']")).to_be_visible()
    cached = page.evaluate("""async () => {
      const names = await caches.keys();
      const urls = [];
      for (const name of names) {
        for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
      }
      return urls;
    }""")
    assert any(re.search(r"/index\.html", u) for u in cached), cached
    assert not [u for u in cached if re.search(r"/(rest|auth|storage|realtime)/|config\.json", u)]

    page.context.set_offline(True)
    page.reload()
    screen = page.locator("[data-test='offline-screen']")
    expect(screen).to_be_visible()
    expect(screen).to_have_attribute("data-online", "false")
    expect(page.get_by_role("heading", name="Sin conexión")).to_be_visible()
    expect(screen).to_contain_text("no tiene conexión a la red")
    expect(page.locator("[data-test='config-error']")).to_have_count(0)
    screenshot(page, "offline-01-screen")
    axe_check(page, "offline-screen")

    # Retry while still offline waits; the network coming back reloads by itself.
    page.locator("[data-test='offline-retry']").click()
    expect(page.locator("[data-test='offline-waiting']")).to_be_visible()
    with page.expect_navigation():
        page.context.set_offline(False)
    expect(page.locator("[data-test='sign-in-form']")).to_be_visible()
    expect(page.locator("[data-test='offline-screen']")).to_have_count(0)


def test_signed_in_going_offline_shows_the_offline_banner(stack, new_page):
    page = new_page()
    sign_in(page, PERSON)
    expect(page.locator("[data-test='user-name']")).to_be_visible()
    wait_controlled(page)
    expect(page.locator("[data-test='user-name']")).to_be_visible()

    page.context.set_offline(True)
    banner = page.locator("[data-test='banner-offline']")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Sin conexión a la red.")
    expect(page.locator("[data-test='banner-server']")).to_have_count(0)

    # A reload while offline: the shell's page from the cache, the offline screen in it.
    page.reload()
    expect(page.locator("[data-test='offline-screen']")).to_be_visible()
    page.context.set_offline(False)
    page.locator("[data-test='offline-retry']").click()
    # The session was kept: back in the signed-in shell.
    expect(page.locator("[data-test='user-name']")).to_be_visible()
    expect(page.locator("[data-test='banner-offline']")).to_have_count(0)


def test_the_manifest_is_served_and_its_icons_are_reachable(stack, new_page):
    page = new_page()
    href = page.locator("link[rel='manifest']").get_attribute("href")
    assert href == "/manifest.webmanifest"
    response = page.request.get(stack.url + href)
    assert response.ok
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(response.body())
    assert manifest["name"] == "Call Center CRM"
    assert manifest["lang"] == "es"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    purposes = {icon.get("purpose", "any") for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        image = page.request.get(stack.url + icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png", icon
        width, height = icon["sizes"].split("x")
        size = page.evaluate("""async (src) => {
          const img = new Image();
          img.src = src;
          await img.decode();
          return [img.naturalWidth, img.naturalHeight];
        }""", icon["src"])
        assert size == [int(width), int(height)], icon
