import type { OpenApiDocument } from './build-openapi';

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const json = (v: unknown): string => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  'x-required-scope'?: string;
  parameters?: { name: string; in: string; required: boolean; description?: string; schema: unknown }[];
  requestBody?: { content: Record<string, { schema?: unknown; example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown; example?: unknown }> }>;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = op.parameters?.length
    ? `<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>${op.parameters
        .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${esc(p.description ?? '')}</td></tr>`)
        .join('')}</table>`
    : '';
  const body = op.requestBody
    ? Object.entries(op.requestBody.content)
        .map(([t, c]) => `<h4>Request body <code>${esc(t)}</code></h4>${c.example !== undefined ? `<h5>Example</h5>${json(c.example)}` : ''}<details><summary>Schema</summary>${json(c.schema)}</details>`)
        .join('')
    : '';
  const responses = Object.entries(op.responses)
    .map(([status, r]) => {
      const content = Object.entries(r.content ?? {})
        .map(([t, c]) => `<div><code>${esc(t)}</code>${c.example !== undefined ? json(c.example) : ''}${status.startsWith('2') && c.schema ? `<details><summary>Schema</summary>${json(c.schema)}</details>` : ''}</div>`)
        .join('');
      return `<li><b>${esc(status)}</b> ${esc(r.description)}${content}</li>`;
    })
    .join('');
  return `<section class="op" id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}${op['x-required-scope'] ? ` <span class="scope">scope: ${esc(op['x-required-scope'])}</span>` : ' <span class="scope public">public</span>'}</p>
${op.description ? `<p>${esc(op.description)}</p>` : ''}${params}${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
}

/**
 * A self-contained HTML page of the OpenAPI document: no script, no external asset (the
 * machines this runs on have no internet, and the CSP forbids inline scripts anyway).
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const info = doc.info as { title: string; version: string; description?: string };
  const ops: string[] = [];
  const toc: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const o = op as Operation;
      ops.push(renderOperation(method, path, o));
      toc.push(`<li><a href="#${esc(o.operationId)}"><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> ${esc(path)}</a></li>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}</title>
<style>
body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;display:flex;color:#1d1d1f}
nav{width:330px;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f5f7;padding:12px;box-sizing:border-box;font-size:13px}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:3px 0}nav a{text-decoration:none;color:inherit}
main{flex:1;padding:16px 28px;max-width:1100px}
.op{border-top:1px solid #ddd;padding:8px 0}
.m{display:inline-block;min-width:56px;text-align:center;border-radius:4px;color:#fff;font-weight:600;font-size:12px;padding:1px 4px}
.get{background:#2b7de9}.post{background:#20a35a}.put{background:#c98a00}.delete{background:#d23b3b}
.scope{font-size:12px;background:#eee;border-radius:8px;padding:1px 8px}.public{background:#dff3e4}
pre{background:#f7f7f9;border:1px solid #e5e5ea;padding:8px;overflow:auto;font-size:12px;max-height:420px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}
</style></head>
<body><nav><b>${esc(info.title)}</b> ${esc(info.version)}<p><a href="/openapi.json">openapi.json</a></p><ul>${toc.join('')}</ul></nav>
<main><h1>${esc(info.title)}</h1><p>${esc(info.description ?? '')}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key: &lt;key&gt;</code>. Errors are <code>{"error": {"code", "message", "details", "request_id"}}</code>.</p>
${ops.join('\n')}</main></body></html>`;
}
