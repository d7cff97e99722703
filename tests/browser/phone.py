"""Measuring a page as a phone shows it: what is visible, what overlaps, what is too small to tap.

Shared by the phone layout test, the accessibility test and scripts/screenshots.py.
"""

from __future__ import annotations

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Every visible interactive element, in page coordinates. A link inside running text (its block has
# other text around it) is exempt from the 44 px rule, as WCAG 2.5.8 exempts inline targets; it still
# counts for overlaps. Elements of the fixed bottom bar are measured apart from the page: the page
# scrolls under the bar, and the body's bottom padding lets its last element scroll clear of it.
MEASURE = """
() => {
  const sel = "a[href], button, summary, select, textarea, input:not([type=hidden]), [role=button], [tabindex]:not([tabindex='-1'])";
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const rects = el.getClientRects();
    if (!rects.length) continue;
    let r = el.getBoundingClientRect();
    if (el.tagName === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
      // the target of a checkbox is its label too
      const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) {
        const l = label.getBoundingClientRect();
        const left = Math.min(l.left, r.left), top = Math.min(l.top, r.top);
        r = {left, top, width: Math.max(l.right, r.right) - left, height: Math.max(l.bottom, r.bottom) - top};
      }
    }
    if (r.width === 0 || r.height === 0) continue;
    if (el.closest("details:not([open])") && !el.matches("details > summary")) continue;
    let inline = false;
    if (el.tagName === "A" && style.display === "inline") {
      const block = el.parentElement;
      const own = (el.textContent || "").trim().length;
      const all = (block.textContent || "").trim().length;
      inline = all > own + 2;
    }
    const fixed = !!el.closest(".bottombar");
    const label = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || el.tagName).trim().replace(/\\s+/g, " ").slice(0, 50);
    out.push({tag: el.tagName.toLowerCase(), label, inline, fixed, inMenu: !!el.closest(".menu-body"), contains: [],
      x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
      path: el.id ? "#" + el.id : (el.className ? el.tagName.toLowerCase() + "." + String(el.className).split(" ")[0] : el.tagName.toLowerCase())});
    el.__measured = out.length - 1;
  }
  // nested interactive elements (a label's checkbox, a button inside a summary) are not an overlap
  const all = [...document.querySelectorAll(sel)].filter(e => e.__measured !== undefined);
  for (const a of all) for (const b of all) if (a !== b && a.contains(b)) out[a.__measured].contains.push(b.__measured);
  for (const e of all) delete e.__measured;
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth + 1
    && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1)).slice(0, 3)
    .map(e => e.tagName.toLowerCase() + "." + String(e.className).split(" ")[0] + " " + (e.textContent || "").trim().slice(0, 30));
  return {items: out, wide, scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth};
}
"""


def overlaps(items: list[dict], tolerance: float = 1.0) -> list[str]:
    found = []
    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            b = items[j]
            if a["fixed"] != b["fixed"] or j in a["contains"] or i in b["contains"]:
                continue
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > tolerance and dy > tolerance:
                found.append(f"{a['label']!r} ({a['path']}) overlaps {b['label']!r} ({b['path']})")
    return found


def too_small(items: list[dict], minimum: float = 44.0) -> list[str]:
    return [f"{e['label']!r} ({e['path']}) is {e['w']:.0f}x{e['h']:.0f}" for e in items
            if not e["inline"] and (e["w"] < minimum - 0.5 or e["h"] < minimum - 0.5)]


def measure(page) -> dict:
    return page.evaluate(MEASURE)


def menu_links(page) -> list[str]:
    """Every page the menu and the bottom bar lead to (paths, in order, once each)."""
    hrefs = page.eval_on_selector_all(
        "nav.mainnav a[href], .account a[href], nav.bottombar a[href]",
        "els => els.map(e => new URL(e.href).pathname + new URL(e.href).search)")
    return list(dict.fromkeys(hrefs))


def htmx_settled(page) -> None:
    """Wait until the fragments a page loads by itself (hx-trigger="load") are in and settled: no element
    is requesting, swapping or settling. Unlike Playwright's "networkidle" (500 ms without a request), this
    costs nothing on a page that loads no fragment; the board's 30-second poll is not waited for."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
