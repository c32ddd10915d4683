// What the browser suites (the public pages', the console's) share: Debian's Chromium driven by
// playwright-core, and axe-core's verdict on a page. Dev and tests only.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it), or `CHROMIUM_PATH`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, and quiet: no updates, sync or background fetches reaching past this machine. */
export function launchTestBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');

/** axe-core's serious and critical findings on the page (WCAG 2.1 A/AA and best practice), as text. */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const results = (await page.evaluate(
    "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })",
  )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

/**
 * Waits until every image `selector` matches has loaded. The predicate is a function's source, not an
 * expression: Playwright evals the string on its first check (a DevTools call, which the page's CSP
 * lets through) and, for an expression, again on every later poll, which the pages' CSP (script-src
 * 'self', no 'unsafe-eval') refuses — so an expression only waited if it held at once. A function is
 * evaled once and then called. (CI hit it: a photo still loading at the first check.)
 */
export async function imagesLoaded(page: Page, selector: string, options: { timeout?: number } = {}) {
  await page.waitForFunction(
    '(selector) => [...document.querySelectorAll(selector)].every((image) => image.complete && image.naturalWidth > 0)',
    selector,
    options,
  );
}
