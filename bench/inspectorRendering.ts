/**
 * Inspector rendering: the time the Flow Inspector webview takes to render a run and to scroll
 * its exchange timeline, with 10 and with 1,000 exchanges, in headless Chromium.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import type { RunSnapshot } from '../src/shared/inspectorProtocol';
import { renderInspectorHtml } from '../src/shared/inspectorHtml';
import { CHROMIUM_ARGS } from '../test/harness/workbench';
import { largeRun } from '../test/webview/fixtures';
import type { Figure } from './lib/figure';
import { REPOSITORY_ROOT, runWhenMain } from './lib/report';
import { formatMs, median } from './lib/statistics';

const SMALL_RUN = 10;
const LARGE_RUN = 1000;
const WARMUP_ROUNDS = 3;
const ROUNDS = 15;
/** Viewport scroll steps per round, each one viewport height further down. */
const SCROLL_STEPS = 20;
/** The page size while rendering; while scrolling, the height is SCROLL_PAGE_HEIGHT. */
const PAGE_SIZE = { width: 1280, height: 800 };
/**
 * A page height at which the timeline shows fewer than 10 rows, so the small run's list
 * overflows and scrolls too.
 */
const SCROLL_PAGE_HEIGHT = 420;
/** One frame at 60 Hz, in milliseconds. */
const FRAME_MS = 1000 / 60;
const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Serves the inspector page with its real CSP, a bundle built from webview/, and the CSS.
 *
 * NOTE: test/webview/harness.ts serves the same page, but its host stand-in records every
 * message and saved state, which would add to the measured times, so the bench keeps its own.
 */
async function startPageServer(bundle: string): Promise<{ server: Server; origin: string }> {
  const files: Record<string, { file: string; type: string }> = {
    '/webview.js': { file: bundle, type: 'text/javascript' },
    '/inspector.css': { file: path.join(REPOSITORY_ROOT, 'media/inspector.css'), type: 'text/css' },
  };
  let origin = '';
  const respond = async (url: string, response: ServerResponse) => {
    const pathname = new URL(url, origin).pathname;
    if (pathname === '/') {
      const html = renderInspectorHtml({
        cspSource: origin,
        nonce: randomBytes(18).toString('base64'),
        scriptUri: `${origin}/webview.js`,
        styleUri: `${origin}/inspector.css`,
      });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const entry = files[pathname];
    if (!entry) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': entry.type }).end(await readFile(entry.file));
  };
  const server = createServer((request, response) => void respond(request.url ?? '/', response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin };
}

/**
 * Stands in for VS Code's webview host before the page's scripts run: `acquireVsCodeApi` with a
 * postMessage that notes `ready`, and state kept by reference, so saving costs nothing that
 * would land inside a measurement.
 */
function hostStandIn(): void {
  const page = window as unknown as { benchReady: boolean; acquireVsCodeApi: () => unknown };
  let state: unknown;
  page.benchReady = false;
  page.acquireVsCodeApi = () => ({
    postMessage: (message: { type?: string }) => {
      if (message?.type === 'ready') page.benchReady = true;
    },
    getState: () => state,
    setState: (value: unknown) => {
      state = value;
    },
  });
}

/**
 * Runs in the page: delivers a snapshot with `run` as the only run, as a message event. Returns
 * the milliseconds until the DOM shows it and style and layout are done, and the number of
 * exchange rows in the DOM. Animation frame
 * callbacks that the page requests meanwhile are run at once, so the time is the work done and
 * not the wait for the next frame. The structured clone that postMessage would make is included.
 */
function renderInPage(run: RunSnapshot): { milliseconds: number; rows: number } {
  const frames: FrameRequestCallback[] = [];
  const original = window.requestAnimationFrame;
  window.requestAnimationFrame = (callback) => frames.push(callback);
  try {
    const started = performance.now();
    const data = structuredClone({ type: 'snapshot', runs: [run], selectedRunId: run.id });
    window.dispatchEvent(new MessageEvent('message', { data, origin: window.origin }));
    while (frames.length > 0) frames.shift()!(performance.now());
    const lastRow = document.querySelector('.timeline-viewport .exchange-row:last-of-type');
    if (!lastRow) throw new Error('The timeline shows no exchange row after the snapshot.');
    void document.body.getBoundingClientRect();
    const milliseconds = performance.now() - started;
    return { milliseconds, rows: document.querySelectorAll('.exchange-row').length };
  } finally {
    window.requestAnimationFrame = original;
  }
}

/**
 * Runs in the page: scrolls the timeline one viewport height at a time and returns the mean
 * milliseconds per step of the scroll handling, rendering and layout. The scroll turns back at
 * either end of the list, so every step moves the list, however short it is. It is a mean
 * because one step can be shorter than the page's 0.1 ms timer resolution. Animation frames run
 * at once, as in renderInPage. The scroll event is dispatched by hand so the step completes
 * synchronously, and the browser's own scroll event comes later and finds nothing left to do.
 */
function scrollInPage(steps: number): { milliseconds: number; viewportHeight: number } {
  const viewport = document.querySelector<HTMLElement>('.timeline-viewport');
  if (!viewport) throw new Error('The page has no .timeline-viewport.');
  const height = viewport.clientHeight;
  const end = viewport.scrollHeight - height;
  if (height === 0 || end <= 0) {
    throw new Error(`The timeline does not scroll: ${viewport.scrollHeight} px in ${height} px.`);
  }
  const frames: FrameRequestCallback[] = [];
  const original = window.requestAnimationFrame;
  window.requestAnimationFrame = (callback) => frames.push(callback);
  try {
    let direction = 1;
    const started = performance.now();
    for (let step = 1; step <= steps; step += 1) {
      const from = viewport.scrollTop;
      if (from + direction * height > end || from + direction * height < 0) direction = -direction;
      viewport.scrollTop = Math.min(end, Math.max(0, from + direction * height));
      viewport.dispatchEvent(new Event('scroll'));
      while (frames.length > 0) frames.shift()!(performance.now());
      void document.body.getBoundingClientRect();
      if (viewport.scrollTop === from) throw new Error(`Scroll step ${step} did not move.`);
    }
    return { milliseconds: (performance.now() - started) / steps, viewportHeight: height };
  } finally {
    window.requestAnimationFrame = original;
  }
}

/** Lets the page finish whatever the measurement left queued: two real animation frames. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
      ),
  );
}

interface Timings {
  render: number[];
  scroll: number[];
  /** Exchange rows in the DOM after each render. */
  rows: number[];
  /** Height of the timeline's scrolling viewport while scrolling, in pixels. */
  scrollViewport: number[];
}

async function measureRound(page: Page, run: RunSnapshot, round: number, into: Timings) {
  // A new run id each time, because the timeline keeps its rows when the same run comes again.
  const fresh = { ...run, id: `${run.id}-${round}` };
  const rendered = await page.evaluate(renderInPage, fresh);
  into.render.push(rendered.milliseconds);
  into.rows.push(rendered.rows);
  await settle(page);
  await page.setViewportSize({ ...PAGE_SIZE, height: SCROLL_PAGE_HEIGHT });
  await settle(page);
  const scrolled = await page.evaluate(scrollInPage, SCROLL_STEPS);
  into.scroll.push(scrolled.milliseconds);
  into.scrollViewport.push(scrolled.viewportHeight);
  await page.setViewportSize(PAGE_SIZE);
  await settle(page);
}

export async function measureInspectorRendering(): Promise<Figure[]> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'oauth-explorer-inspector-bench-'));
  const bundle = path.join(workDir, 'webview.js');
  await esbuild.build({
    entryPoints: [path.join(REPOSITORY_ROOT, 'webview/main.ts')],
    outfile: bundle,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const { server, origin } = await startPageServer(bundle);
  const context = await chromium.launchPersistentContext(path.join(workDir, 'profile'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: PAGE_SIZE,
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // tsx compiles this file with esbuild's keepNames, so the functions that Playwright sends to
    // the page as source text call a `__name` helper, which the page must define.
    await page.addInitScript({ content: 'globalThis.__name = (target) => target;' });
    await page.addInitScript(hostStandIn);
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { benchReady: boolean }).benchReady);

    const runs = { small: largeRun(SMALL_RUN), large: largeRun(LARGE_RUN) };
    const timings: Record<'small' | 'large', Timings> = {
      small: { render: [], scroll: [], rows: [], scrollViewport: [] },
      large: { render: [], scroll: [], rows: [], scrollViewport: [] },
    };
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round += 1) {
      const target =
        round < WARMUP_ROUNDS
          ? { render: [], scroll: [], rows: [], scrollViewport: [] }
          : undefined;
      const order = round % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const);
      for (const size of order) {
        await measureRound(page, runs[size], round, target ?? timings[size]);
      }
    }
    if (errors.length > 0) throw new Error(`The inspector page threw: ${errors.join('; ')}`);

    const renderSmall = median(timings.small.render);
    const renderLarge = median(timings.large.render);
    const scrollSmall = median(timings.small.scroll);
    const scrollLarge = median(timings.large.scroll);
    const scrollViewport = median(timings.small.scrollViewport);
    const common =
      `in headless Chromium at ${PAGE_SIZE.width}×${PAGE_SIZE.height}, the bundle built from webview/ and served with the ` +
      `inspector's CSP; animation frame callbacks run at once, so the times are script, style ` +
      `and layout work (not paint and not the wait for a frame); median of ${ROUNDS} rounds ` +
      `that alternate the sizes, after ${WARMUP_ROUNDS} warm-up rounds.`;
    return [
      {
        name: 'Inspector render',
        value: renderLarge / renderSmall,
        unit: 'ratio',
        goal: { comparison: 'at most', limit: 2 },
        detail:
          `${LARGE_RUN} exchanges ${formatMs(renderLarge)} (${median(timings.large.rows)} rows ` +
          `in the DOM), ${SMALL_RUN} exchanges ${formatMs(renderSmall)} ` +
          `(${median(timings.small.rows)} rows)`,
        method:
          `Time from delivering a snapshot message with one run of ${LARGE_RUN} exchanges to ` +
          `its timeline rows being laid out, divided by the same for ${SMALL_RUN} exchanges, ` +
          common,
        note:
          `The snapshot's exchanges are checked when the timeline first shows them, row offsets ` +
          `come from the row index plus totals over expanded rows only, and the timeline keeps ` +
          `about one viewport of rows beyond the visible ones, so the large run puts a bounded ` +
          `number of rows in the DOM. The structured clone of the message still grows with the ` +
          `run, as it would in VS Code.`,
      },
      {
        name: 'Inspector scroll',
        value: scrollLarge / scrollSmall,
        unit: 'ratio',
        goal: { comparison: 'at most', limit: 2 },
        detail:
          `${LARGE_RUN} exchanges ${formatMs(scrollLarge)}, ${SMALL_RUN} exchanges ` +
          `${formatMs(scrollSmall)} per step, in a ${scrollViewport} px timeline`,
        method:
          `Mean time of one scroll step (one viewport height, the scroll handler, the windowed ` +
          `re-render and layout) over ${SCROLL_STEPS} steps with ${LARGE_RUN} exchanges, ` +
          `divided by the same with ${SMALL_RUN} exchanges, with the page ${SCROLL_PAGE_HEIGHT} ` +
          `px high while scrolling so that the ${SMALL_RUN} rows overflow the timeline and ` +
          `both lists move on every step (the scroll turns back at either end), ` +
          common,
        note:
          `Both lists overflow the timeline, and the timeline reuses the row elements that leave ` +
          `the window for the rows that enter it, so each step does the same kind of work in ` +
          `both runs.`,
      },
      {
        name: 'Inspector scroll step per frame',
        value: scrollLarge / FRAME_MS,
        unit: 'ratio',
        goal: { comparison: 'at most', limit: 1 },
        detail: `${formatMs(scrollLarge)} per step with ${LARGE_RUN} exchanges, frame 16.7 ms`,
        method:
          `The scroll step time with ${LARGE_RUN} exchanges from "Inspector scroll" divided by ` +
          `one frame at 60 Hz (16.7 ms): below 1, a step's script, style and layout fit in a ` +
          `frame, before paint.`,
      },
    ];
  } finally {
    await context.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(workDir, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.filename, measureInspectorRendering);
