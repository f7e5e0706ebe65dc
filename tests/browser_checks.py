"""What the browser tests measure on a rendered page: accessibility (axe-core), phone layout.

Each check returns what it found wrong, so a failing assertion names the culprits.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
# axe's rule tags for WCAG 2.0 and 2.1, levels A and AA, plus its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = ("serious", "critical")


@cache
def _axe_source() -> str:
    data = AXE.read_bytes()
    if hashlib.sha256(data).hexdigest() != AXE_SHA256:  # a vendored file edited by mistake
        raise AssertionError(f"{AXE} does not match the pinned axe-core 4.14.1")
    return data.decode()


def axe_violations(page, impacts=BLOCKING_IMPACTS) -> list[str]:
    """Run axe-core on the page; one line per violation of the given impacts, naming its nodes.

    The script is evaluated through the DevTools protocol rather than added as a <script>: the
    application's Content-Security-Policy (rightly) refuses inline scripts, and stays on."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                               resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " — " + (n.failureSummary || "")
                                         .replace(/\\s+/g, " ").slice(0, 160))}));
        }""",
        AXE_TAGS,
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"][:5])
        for v in results
        if v["impact"] in impacts
    ]


def horizontal_overflow(page) -> list[str]:
    """Elements that stick out of the viewport on the right (empty when the page fits).

    Content inside a horizontally scrolling box (wide tables in .table-wrap) does not count: the
    box scrolls, the page does not."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width) return [];
            const scrolls = el => {
                for (let p = el.parentElement; p; p = p.parentElement) {
                    const o = getComputedStyle(p).overflowX;
                    if (o === "auto" || o === "scroll" || o === "hidden") return true;
                }
                return false;
            };
            const out = [];
            for (const el of document.body.querySelectorAll("*")) {
                const r = el.getBoundingClientRect();
                if (r.width && r.right > width + 1 && !scrolls(el))
                    out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                             (el.className && typeof el.className === "string" ? "." +
                              el.className.trim().split(/\\s+/).join(".") : "") +
                             " right=" + Math.round(r.right));
            }
            const doc = "document " + document.documentElement.scrollWidth;
            return out.length ? out.slice(0, 12) : [doc];
        }"""
    )


def words_broken(page, selector: str = "body") -> list[str]:
    """Words laid out on two lines ("Logistiqu" / "e"): each word of the visible text is measured
    with a Range; one whose pieces sit on different lines was cut inside. Breaks at a hyphen or a
    slash are normal; tokens too long for any phone line (addresses, hashes) are left out."""
    return page.evaluate(
        """(selector) => {
            const broken = [];
            for (const root of document.querySelectorAll(selector)) {
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                let node;
                while ((node = walker.nextNode())) {
                    const re = /[^\\s\\-\\/]+/g;
                    let m;
                    while ((m = re.exec(node.textContent))) {
                        if (m[0].length < 2 || m[0].length > 24) continue;
                        const range = document.createRange();
                        range.setStart(node, m.index);
                        range.setEnd(node, m.index + m[0].length);
                        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                             .map(r => Math.round(r.top)));
                        if (tops.size > 1) broken.push(m[0]);
                    }
                }
            }
            return broken;
        }""",
        selector,
    )


def outside_viewport(page, selector: str) -> list[str]:
    """Visible elements matching the selector that are not wholly inside the viewport's width."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(el => el.getClientRects().length)
            .filter(el => { const r = el.getBoundingClientRect();
                            return r.left < 0 || r.right > document.documentElement.clientWidth; })
            .map(el => el.textContent.trim())""",
        selector,
    )
