import type { ReportData } from '../report-data';
import { renderReport, type ReportView } from './report-page';

/** The standalone report file's entry: renders the data embedded in the page. */
declare global {
  interface Window {
    /** Set once the report is drawn (browser tests wait for it). */
    coinhtsReport?: ReportView & { readonly ready: true };
  }
}

function start(): void {
  performance.mark('coinhts-report-start');
  const data = JSON.parse((document.getElementById('coinhts-report-data') as HTMLElement).textContent ?? 'null') as ReportData;
  performance.mark('coinhts-report-parsed');
  const view = renderReport(document.getElementById('report') as HTMLElement, data);
  performance.mark('coinhts-report-built');
  // Two frames after the charts exist: they and the canvases paint on the next frame after creation.
  void view.drawn.then(() => requestAnimationFrame(() => requestAnimationFrame(() => {
    performance.mark('coinhts-report-ready');
    window.coinhtsReport = { ...view, ready: true };
    document.documentElement.dataset.reportReady = 'true';
  })));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
