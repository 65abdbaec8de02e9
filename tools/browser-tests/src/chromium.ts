/**
 * Starts the machine's Chromium (Debian's `chromium` package) through playwright-core. Browsers
 * cannot be downloaded here (`npx playwright install` fails), so a missing browser is an error that
 * says what to install, never a skipped test.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian installs Chromium (override with CHROMIUM_PATH). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Folder of CI artefacts (screenshots). */
export const ARTEFACTS = join(REPO_ROOT, '.ci-reports');

/** A browser with a fresh profile folder, removed by `close()`. */
export interface TestBrowser {
  readonly browser: BrowserContext;
  newPage(options?: { readonly offline?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh user-data-dir and the flags SERVICES.md lists. */
export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it (as root): apt-get update && apt-get install -y --no-install-recommends chromium ` +
      '(tools/test-all.sh does this), or set CHROMIUM_PATH to a Chromium binary.');
  }
  const profile = mkdtempSync(join(tmpdir(), 'coinhts-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    browser: context,
    newPage: async (options = {}) => {
      await context.setOffline(options.offline ?? false);
      return context.newPage();
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot under .ci-reports/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTEFACTS, { recursive: true });
  const path = join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Errors a page reported (console errors and uncaught exceptions), collected from now on. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/**
 * Counts the pixels of every canvas inside `selector` that differ from the background (white)
 * and from transparent, by reading them back from the canvases themselves.
 */
export function paintedPixels(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(`${selector} canvas`, (canvases) => canvases.map((c) => {
    const canvas = c as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && !(px[i] > 245 && px[i + 1] > 245 && px[i + 2] > 245)) n++;
    return n;
  }));
}

/** Runs axe-core (WCAG 2 A and AA rules) on the page and returns the violations. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string | null; help: string; nodes: string[] }[]> {
  // Evaluated through the DevTools protocol rather than as a script element, so the page's own
  // CSP (the console's forbids inline scripts) stays in force for everything else.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

