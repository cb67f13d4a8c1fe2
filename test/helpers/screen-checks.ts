/**
 * What every screen must pass, checked in a real Chromium page: axe-core's accessibility rules
 * (no serious or critical violation) and no horizontal overflow of the page or of any card at a
 * phone's width. Both look inside the components' (open) shadow roots.
 *
 *   assert.equal(await axeViolations(page), []);
 *   assert.equal(await overflowing(page), []);
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The narrowest screen the UI must work on (issue 16: "every page must work from 360 px up"). */
export const PHONE = { width: 360, height: 740 };

let axeSource: string | null = null;
const axe = (): string => (axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));

/**
 * axe-core's violations of at least `serious` impact on the page as it is now, one line each
 * (`rule: help @ target`), so a failing assertion says what and where.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // evaluated over the DevTools protocol: the page's CSP (script-src 'self') refuses a script tag
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe());
  return page.evaluate(`(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ['violations'] });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => v.id + ': ' + v.help + ' @ ' + JSON.stringify(n.target)));
  })()`);
}

/**
 * Walks the document and every open shadow root below it, calling `visit(el)`; kept as page
 * source text, so that the test's transpiler adds no helpers (tsx's `__name`) the page lacks.
 */
const WALK = `function walk(root, visit) {
  for (const el of root.querySelectorAll('*')) {
    visit(el);
    if (el.shadowRoot) walk(el.shadowRoot, visit);
  }
}
function describe(el) {
  const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
  const id = el.getAttribute('data-testid');
  return el.tagName.toLowerCase() + cls + (id ? ' (' + id + ')' : '');
}`;

/**
 * Elements wider than their box: the page itself and every `.card` (in any shadow root) whose
 * scrollWidth exceeds its clientWidth, described as `tag.class (testid): scrollWidth > clientWidth`.
 */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    ${WALK}
    const out = [];
    const check = (el) => {
      if (el.scrollWidth > el.clientWidth + 1) out.push(describe(el) + ': ' + el.scrollWidth + ' > ' + el.clientWidth);
    };
    check(document.documentElement);
    walk(document, (el) => { if (el.classList.contains('card')) check(el); });
    return out;
  })()`);
}

/** Elements (in any shadow root) that stick out past the viewport's right edge: what a user sees clipped. */
export function pastRightEdge(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    ${WALK}
    const out = [];
    const width = document.documentElement.clientWidth;
    walk(document, (el) => {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1) out.push(describe(el) + ': right ' + Math.round(r.right) + ' > ' + width);
    });
    return out;
  })()`);
}
