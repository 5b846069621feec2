import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The admin page's templates. Every value is escaped by Mustache; no external assets; one small inline script (with a
/// CSP nonce) for the copy buttons.
extension Pages {
    static let adminTemplates: [(String, String)] = [
        ("admin-layout", adminLayout), ("admin-signin", adminSignIn), ("admin-connections", adminConnections),
        ("admin-connection", adminConnection), ("admin-link", adminLink), ("admin-confirm", adminConfirm),
        ("admin-message", adminMessage), ("admin-proxy-token", adminProxyToken),
    ]

    /// Renders an admin template (`context` gets the layout's common values).
    func admin(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok, scriptNonce: String? = nil)
        -> Response
    {
        var context = context
        if let scriptNonce { context["nonce"] = scriptNonce }
        let text = library.render(context, withTemplate: template) ?? "tiktok-business"
        return html(text, status: status, scriptNonce: scriptNonce)
    }

    static let adminLayout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer"><title>{{$title}}tiktok-business admin{{/title}}</title>
        <style>
        :root{--bg:#f5f6f8;--card:#fff;--ink:#1b1d21;--mute:#5d6470;--line:#e3e6ea;--brand:#111;--ok:#127a3a;--okbg:#e3f6ea;--warn:#8a5300;--warnbg:#fff1d6;--bad:#b42318;--badbg:#fde7e5;--muted:#5d6470;--mutedbg:#eceef1}
        *{box-sizing:border-box} body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:var(--bg);color:var(--ink)}
        a{color:#0b57d0;text-decoration:none} a:hover{text-decoration:underline}
        .sandbox{background:#ffb020;color:#1b1d21;padding:.5rem 1rem;font-weight:600;text-align:center}
        .fault{background:var(--badbg);color:var(--bad);padding:.5rem 1rem;font-weight:600;text-align:center}
        header{display:flex;align-items:center;gap:1rem;flex-wrap:wrap;padding:.75rem 1.25rem;background:var(--brand);color:#fff}
        header .brand{font-weight:700;color:#fff;margin-right:auto} header form{margin:0}
        header button{background:transparent;color:#fff;border:1px solid #fff6}
        main{max-width:72rem;margin:1.25rem auto;padding:0 1rem}
        .card{background:var(--card);border-radius:12px;box-shadow:0 1px 3px #0002;padding:1.25rem;margin-bottom:1.25rem}
        .narrow{max-width:26rem;margin:3rem auto}
        h1{font-size:1.35rem;margin:0 0 1rem} h2{font-size:1.1rem;margin:0 0 .75rem}
        label{display:block;font-weight:600;margin:.5rem 0 .25rem;font-size:.9rem}
        input,select,textarea{font:inherit;padding:.45rem .6rem;border:1px solid var(--line);border-radius:8px;background:#fff;max-width:100%}
        textarea{width:100%;font-family:ui-monospace,Menlo,monospace;font-size:.85rem}
        button,.button{font:inherit;font-weight:600;padding:.45rem .9rem;border-radius:8px;border:1px solid var(--brand);background:var(--brand);color:#fff;cursor:pointer;display:inline-block}
        .button.secondary,button.secondary{background:#fff;color:var(--ink);border-color:var(--line)}
        button.danger{background:var(--bad);border-color:var(--bad)}
        .row{display:flex;gap:.6rem;flex-wrap:wrap;align-items:flex-end} .row>div{min-width:9rem}
        .inline{display:inline} .check{display:flex;gap:.4rem;align-items:center;font-weight:400}
        table{width:100%;border-collapse:collapse} th,td{text-align:left;padding:.55rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--mute)}
        .mono{font-family:ui-monospace,Menlo,monospace;font-size:.85rem;word-break:break-all} .sub{color:var(--mute);font-size:.85rem}
        .badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
        .badge.ok{color:var(--ok);background:var(--okbg)} .badge.warn{color:var(--warn);background:var(--warnbg)}
        .badge.bad{color:var(--bad);background:var(--badbg)} .badge.muted{color:var(--muted);background:var(--mutedbg)}
        .notice{padding:.6rem .9rem;border-radius:8px;margin-bottom:1rem;background:var(--okbg);color:var(--ok)}
        .notice.error{background:var(--badbg);color:var(--bad)}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0} dt{font-weight:600} dd{margin:0;word-break:break-all}
        .pager{display:flex;gap:.6rem;margin-top:1rem} .actions{display:flex;gap:.5rem;flex-wrap:wrap}
        ol.timeline{list-style:none;padding:0;margin:0} ol.timeline li{padding:.5rem 0;border-bottom:1px solid var(--line)}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.75rem;margin-bottom:1rem}
        .tile{border:1px solid var(--line);border-radius:10px;padding:.75rem 1rem;display:block;color:var(--ink)}
        .tile .count{font-size:1.8rem;font-weight:700;display:block} .tile.bad .count{color:var(--bad)} .tile.warn .count{color:var(--warn)}
        .grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem}
        figure{margin:0 0 1rem} figcaption{font-weight:600;margin-bottom:.35rem} svg.chart{width:100%;height:auto;background:#fff}
        td.num,th.num{text-align:right}
        @media (max-width:720px){
          table.rows thead{display:none} table.rows tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}
          table.rows td{display:flex;gap:.6rem;border:0;padding:.2rem .25rem}
          table.rows td::before{content:attr(data-label);font-weight:600;min-width:6.5rem;color:var(--mute)}
          dl{grid-template-columns:1fr} dt{margin-top:.4rem}
        }
        </style></head><body>
        {{#sandbox}}<div class="sandbox">Sandbox mode: TikTok is the built-in emulator. No real accounts are connected.</div>{{/sandbox}}
        {{#signedIn}}{{#configurationFault}}<div class="fault" id="configuration-fault">{{configurationFault}}</div>{{/configurationFault}}{{/signedIn}}
        <header><a class="brand" href="/">tiktok-business</a>{{#signedIn}}<a href="/" style="color:#fff">Connections</a>
        <form method="post" action="/admin/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/signedIn}}</header>
        <main>{{$body}}{{/body}}</main>
        {{#nonce}}<script nonce="{{nonce}}">
        document.querySelectorAll('button[data-copy]').forEach(function (b) {
          b.addEventListener('click', function () {
            var field = document.getElementById(b.getAttribute('data-copy')); field.select();
            if (navigator.clipboard) { navigator.clipboard.writeText(field.value); } else { document.execCommand('copy'); }
            b.textContent = 'Copied';
          });
        });
        </script>{{/nonce}}
        </body></html>
        """

    static let adminSignIn = """
        {{<admin-layout}}{{$title}}Sign in · tiktok-business{{/title}}{{$body}}
        <div class="card narrow"><h1>Sign in</h1>
        {{#error}}<div class="notice error" id="error">{{error}}</div>{{/error}}
        <form method="post" action="/admin/sign-in" id="sign-in">
        <input type="hidden" name="csrf" value="{{loginToken}}">
        <label for="api_key">API key</label>
        <input id="api_key" name="api_key" type="password" autocomplete="current-password" required style="width:100%">
        <p><button type="submit">Sign in</button></p>
        <p class="sub">The service's <span class="mono">TIKTOK_BUSINESS_API_KEY</span>.</p>
        </form></div>
        {{/body}}{{/admin-layout}}
        """

    static let adminConnections = """
        {{<admin-layout}}{{$title}}Connections · tiktok-business{{/title}}{{$body}}
        {{#notice}}<div class="notice" id="notice">{{notice}}</div>{{/notice}}
        {{#hasOverview}}<section class="card" id="overview"><h1>Overview</h1>
        <div class="tiles">
        <a class="tile" id="tile-total" href="/"><span class="count">{{total}}</span>connections</a>
        <a class="tile{{#reauthAny}} bad{{/reauthAny}}" id="tile-reauth" href="/?attention=reauthorization"><span class="count">{{reauthCount}}</span>need re-authorization</a>
        <a class="tile{{#degradedAny}} warn{{/degradedAny}}" id="tile-degraded" href="/?attention=degraded"><span class="count">{{degradedCount}}</span>degraded (failing over {{degradedAfter}})</a>
        <a class="tile{{#lapsingAny}} warn{{/lapsingAny}}" id="tile-lapsing" href="/?attention=lapsing"><span class="count">{{lapsingCount}}</span>refresh tokens lapsing within 30 days</a>
        </div>
        <table id="overview-counts"><thead><tr><th>Kind</th>{{#countStatuses}}<th class="num">{{label}}</th>{{/countStatuses}}<th class="num">total</th></tr></thead><tbody>
        {{#countRows}}<tr><td>{{kind}}</td>{{#cells}}<td class="num">{{count}}</td>{{/cells}}<td class="num">{{total}}</td></tr>{{/countRows}}
        </tbody></table></section>
        <section class="card" id="attention"><h2>Needs a person</h2>
        <h3>Re-authorization required</h3>
        {{#hasReauth}}<table class="rows" id="needs-reauth"><thead><tr><th>Who</th><th>End user</th><th>Reason</th><th>Since</th><th></th></tr></thead><tbody>{{/hasReauth}}
        {{#reauthRows}}<tr data-id="{{id}}"><td data-label="Who"><a href="/admin/connections/{{id}}">{{name}}</a><div class="sub">{{kind}}</div></td><td data-label="End user">{{endUser}}</td><td data-label="Reason">{{reason}}</td><td data-label="Since">{{since}}</td>
        <td><form method="post" action="/admin/connections/{{id}}/reconnect-link" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="reconnect secondary">Reconnect link</button></form></td></tr>{{/reauthRows}}
        {{#hasReauth}}</tbody></table>{{/hasReauth}}
        {{^hasReauth}}<p class="sub">None.</p>{{/hasReauth}}{{#reauthMore}}<p><a href="/?attention=reauthorization">All {{reauthCount}}…</a></p>{{/reauthMore}}
        <h3>Degraded: refreshes failing for over {{degradedAfter}}</h3>
        {{#hasDegraded}}<table class="rows" id="degraded"><thead><tr><th>Who</th><th>Failing since</th><th>Last success</th></tr></thead><tbody>{{/hasDegraded}}
        {{#degradedRows}}<tr data-id="{{id}}"><td data-label="Who"><a href="/admin/connections/{{id}}">{{name}}</a><div class="sub">{{kind}}</div></td><td data-label="Failing since">{{since}}</td><td data-label="Last success">{{next}}</td></tr>{{/degradedRows}}
        {{#hasDegraded}}</tbody></table>{{/hasDegraded}}
        {{^hasDegraded}}<p class="sub">None.</p>{{/hasDegraded}}{{#degradedMore}}<p><a href="/?attention=degraded">All {{degradedCount}}…</a></p>{{/degradedMore}}
        <h3>Refresh tokens lapsing within 30 days</h3>
        {{#hasLapsing}}<table class="rows" id="lapsing"><thead><tr><th>Who</th><th>End user</th><th>Lapses</th></tr></thead><tbody>{{/hasLapsing}}
        {{#lapsingRows}}<tr data-id="{{id}}"><td data-label="Who"><a href="/admin/connections/{{id}}">{{name}}</a><div class="sub">{{kind}}</div></td><td data-label="End user">{{endUser}}</td><td data-label="Lapses">{{lapses}} <span class="sub">{{lapsesRelative}}</span></td></tr>{{/lapsingRows}}
        {{#hasLapsing}}</tbody></table>{{/hasLapsing}}
        {{^hasLapsing}}<p class="sub">None.</p>{{/hasLapsing}}{{#lapsingMore}}<p><a href="/?attention=lapsing">All {{lapsingCount}}…</a></p>{{/lapsingMore}}
        </section>
        <section class="card" id="charts"><h2>Trends</h2><div class="grid2">
        <figure id="chart-refreshes"><figcaption>Refreshes and failures per hour</figcaption>{{{chartRefreshes}}}</figure>
        <figure id="chart-status"><figcaption>Connections by status</figcaption>{{{chartStatus}}}</figure>
        <figure id="chart-lapses"><figcaption>Upcoming refresh-token lapses by week</figcaption>{{{chartLapses}}}</figure>
        </div></section>{{/hasOverview}}
        <section class="card"><h2>New authorization link</h2>
        <form method="post" action="/admin/links" class="row" id="new-link">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <div><label for="link-kind">Kind</label><select id="link-kind" name="kind">{{#kinds}}<option value="{{value}}">{{label}}</option>{{/kinds}}</select></div>
        <div><label for="link-user">End user id (optional)</label><input id="link-user" name="end_user_id" maxlength="256"></div>
        <div><label class="check"><input type="checkbox" name="force_consent" value="1"> Ask again</label></div>
        <div><button type="submit">Create link</button></div>
        </form></section>
        <section class="card"><h1>Connections{{#attentionLabel}} {{attentionLabel}}{{/attentionLabel}}</h1>
        <form method="get" action="/" class="row" id="filters">
        <div><label for="f-kind">Kind</label><select id="f-kind" name="kind"><option value="">all</option>{{#kindFilter}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kindFilter}}</select></div>
        <div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">all</option>{{#statusFilter}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statusFilter}}</select></div>
        <div><label for="f-q">Name, id or end user</label><input id="f-q" name="q" value="{{q}}" maxlength="200"></div>
        <div><button type="submit" class="secondary">Filter</button> <a class="button secondary" href="/">Reset</a></div>
        </form>
        {{#hasRows}}<table class="rows" id="connections"><thead><tr><th>Kind</th><th>Name</th><th>Who</th><th>End user</th><th>Status</th><th>Last refresh</th></tr></thead><tbody>
        {{#rows}}<tr data-id="{{id}}"><td data-label="Kind"><a href="/admin/connections/{{id}}">{{kind}}</a><div class="sub mono">{{id}}</div></td>
        <td data-label="Name" class="name">{{name}}</td><td data-label="Who" class="mono">{{who}}</td><td data-label="End user">{{endUser}}</td>
        <td data-label="Status"><span class="badge {{tone}}">{{badge}}</span></td>
        <td data-label="Last refresh">{{lastRefresh}}<div class="sub">{{lastRefreshRelative}}</div></td></tr>
        {{/rows}}</tbody></table>{{/hasRows}}
        {{^hasRows}}<p class="sub" id="empty">No connections{{#filtered}} match these filters{{/filtered}}.</p>{{/hasRows}}
        <div class="pager">{{#paged}}<a class="button secondary" href="{{firstPage}}">First page</a>{{/paged}}{{#nextPage}}<a class="button secondary" id="next-page" href="{{nextPage}}">Next page</a>{{/nextPage}}</div>
        </section>
        {{/body}}{{/admin-layout}}
        """

    static let adminConnection = """
        {{<admin-layout}}{{$title}}{{kind}} {{id}} · tiktok-business{{/title}}{{$body}}
        {{#notice}}<div class="notice" id="notice">{{notice}}</div>{{/notice}}
        {{#error}}<div class="notice error" id="error">{{error}}</div>{{/error}}
        <section class="card"><h1>{{kind}} <span class="badge {{tone}}" id="badge">{{badge}}</span></h1>
        <dl>
        <dt>Connection</dt><dd class="mono">{{id}}</dd>
        {{#displayName}}<dt>Name</dt><dd id="display-name">{{displayName}}</dd>{{/displayName}}
        {{#names}}<dt>{{identity}}</dt><dd>{{name}}</dd>{{/names}}
        {{#avatarURL}}<dt>Avatar</dt><dd><a href="{{avatarURL}}" rel="noopener noreferrer" target="_blank">profile image</a></dd>{{/avatarURL}}
        <dt>Health</dt><dd id="health">{{health}}{{#failingSince}} <span class="sub">failing since {{failingSince}} ({{failingSinceRelative}})</span>{{/failingSince}}</dd>
        {{#statusReason}}<dt>Status reason</dt><dd>{{statusReason}}</dd>{{/statusReason}}
        <dt>End user</dt><dd>{{endUser}}</dd>
        {{#identities}}<dt>{{label}}</dt><dd class="mono">{{#values}}<div>{{.}}</div>{{/values}}</dd>{{/identities}}
        <dt>Scopes</dt><dd>{{scopes}}</dd>
        {{#expiring}}<dt>Access token expires</dt><dd>{{accessExpires}} <span class="sub">{{accessExpiresRelative}}</span></dd>
        <dt>Refresh token lapses</dt><dd>{{refreshExpires}} <span class="sub">{{refreshExpiresRelative}}</span></dd>{{/expiring}}
        <dt>Last refresh</dt><dd>{{lastRefreshed}}</dd><dt>Last check</dt><dd>{{lastChecked}}</dd>
        <dt>Created</dt><dd>{{created}}</dd><dt>Updated</dt><dd>{{updated}}</dd>
        </dl></section>
        <section class="card"><h2>Actions</h2><div class="actions">
        {{#canRefresh}}<form method="post" action="/admin/connections/{{id}}/refresh" class="inline" id="refresh"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Refresh now</button></form>{{/canRefresh}}
        {{#canReconnect}}<form method="post" action="/admin/connections/{{id}}/reconnect-link" class="inline" id="reconnect"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Create reconnect link</button></form>{{/canReconnect}}
        {{#canRevoke}}<a class="button secondary" id="revoke" href="/admin/connections/{{id}}/revoke">Revoke…</a>{{/canRevoke}}
        {{^canRefresh}}{{^canReconnect}}{{^canRevoke}}<span class="sub">No actions for a revoked connection.</span>{{/canRevoke}}{{/canReconnect}}{{/canRefresh}}
        </div></section>
        <section class="card"><h2>Events</h2>
        {{#webhookDestination}}<p class="sub" id="webhooks">Webhooks go to <span class="mono">{{webhookDestination}}</span>; each event shows its delivery.</p>{{/webhookDestination}}
        {{#hasEvents}}<ol class="timeline" id="events">{{#events}}<li><strong>{{label}}</strong> <span class="sub">{{when}} · {{relative}}</span>
        {{#webhook}} <span class="badge {{tone}} webhook">{{label}}</span>{{#detail}} <span class="sub">{{detail}}</span>{{/detail}}{{/webhook}}
        {{#details}}<div class="sub">{{name}}: {{value}}</div>{{/details}}</li>{{/events}}</ol>{{/hasEvents}}
        {{^hasEvents}}<p class="sub">No events yet.</p>{{/hasEvents}}
        </section>
        <section class="card" id="proxy-tokens"><h2>Proxy tokens</h2>
        <p class="sub">For existing TikTok clients (official SDKs, Airbyte, scripts): point them at this service's <span class="mono">/open_api/v1.3/</span> and send a proxy token as their Access-Token; the real token never leaves the vault.</p>
        {{#hasProxyTokens}}<table id="proxy-token-list"><thead><tr><th>Token</th><th>Paths</th><th>Created</th><th>Expires</th><th>State</th><th></th></tr></thead><tbody>
        {{#proxyTokens}}<tr data-token="{{tokenID}}"><td class="mono">{{tokenID}}</td><td class="mono">{{paths}}</td><td>{{created}}<div class="sub mono">{{createdBy}}</div></td><td>{{expires}}</td><td>{{state}}</td>
        <td>{{#usable}}<form method="post" action="/admin/proxy-tokens/{{tokenID}}/revoke" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary revoke-proxy-token">Revoke</button></form>{{/usable}}</td></tr>{{/proxyTokens}}
        </tbody></table>{{/hasProxyTokens}}
        {{^hasProxyTokens}}<p class="sub">None issued.</p>{{/hasProxyTokens}}
        {{#canIssueProxyToken}}<form method="post" action="/admin/connections/{{id}}/proxy-tokens" class="row" id="issue-proxy-token"><input type="hidden" name="csrf" value="{{csrf}}">
        <div><label for="pt-paths">Allowed paths (optional, space-separated)</label><input id="pt-paths" name="allowed_paths" placeholder="/report/* /advertiser/info/" maxlength="4000"></div>
        <div><label for="pt-days">Expires after</label><select id="pt-days" name="expires_days"><option value="0">never</option><option value="1">1 day</option><option value="30">30 days</option><option value="365">1 year</option></select></div>
        <div><button type="submit">Issue proxy token</button></div></form>{{/canIssueProxyToken}}
        </section>
        <section class="card" id="audit"><h2>Audit trail</h2>
        <p class="sub">Who read this connection's token, revoked it or made links for it; proxied calls are counted per day.</p>
        {{#hasAudit}}<ol class="timeline" id="audit-entries">{{#audit}}<li><strong>{{label}}</strong> by <span class="mono">{{actor}}</span> <span class="sub">{{when}} · {{relative}} · request {{requestID}}</span></li>{{/audit}}</ol>{{/hasAudit}}
        {{^hasAudit}}<p class="sub" id="audit-empty">Nothing recorded yet.</p>{{/hasAudit}}
        <h3>Proxied calls per day</h3>
        {{#hasUsage}}<table id="proxy-usage"><thead><tr><th>Day</th><th>Caller</th><th class="num">Calls</th><th class="num">Errors</th></tr></thead><tbody>
        {{#usage}}<tr><td>{{day}}</td><td class="mono">{{actor}}</td><td class="num">{{calls}}</td><td class="num">{{errors}}</td></tr>{{/usage}}</tbody></table>{{/hasUsage}}
        {{^hasUsage}}<p class="sub">No proxied calls in the last 30 days.</p>{{/hasUsage}}
        </section>
        {{/body}}{{/admin-layout}}
        """

    static let adminLink = """
        {{<admin-layout}}{{$title}}Authorization link · tiktok-business{{/title}}{{$body}}
        <section class="card"><h1>{{heading}}</h1>
        <p>Send this link to the {{audience}}. It works once and expires {{expires}} ({{expiresRelative}}).</p>
        <textarea id="link-url" rows="4" readonly>{{url}}</textarea>
        <p class="actions"><button type="button" data-copy="link-url">Copy link</button>
        <a class="button secondary" href="{{url}}" target="_blank" rel="noopener noreferrer" id="open-link">Open</a>
        {{#mailto}}<a class="button secondary" id="mailto-link" href="{{mailto}}">Send by email</a>{{/mailto}}
        <a class="button secondary" href="{{back}}">Back</a></p>
        </section>
        {{/body}}{{/admin-layout}}
        """

    static let adminProxyToken = """
        {{<admin-layout}}{{$title}}Proxy token · tiktok-business{{/title}}{{$body}}
        <section class="card"><h1>Proxy token {{tokenID}}</h1>
        <p>Shown only this once: copy it now. It may call {{paths}} and expires {{expires}}.</p>
        <textarea id="proxy-token" rows="2" readonly>{{secret}}</textarea>
        <p class="actions"><button type="button" data-copy="proxy-token">Copy token</button>
        <a class="button secondary" href="/admin/connections/{{id}}">Back</a></p>
        <p class="sub">In an existing TikTok client, change two things: the host to <span class="mono">{{host}}</span> (paths stay <span class="mono">/open_api/v1.3/…</span>) and the access token to this one.</p>
        </section>
        {{/body}}{{/admin-layout}}
        """

    static let adminConfirm = """
        {{<admin-layout}}{{$title}}Revoke · tiktok-business{{/title}}{{$body}}
        <section class="card narrow"><h1>Revoke this connection?</h1>
        <p>{{kind}} <span class="mono">{{id}}</span>{{#who}} ({{who}}){{/who}}. TikTok is told to end the grant; the connection
        stops working and needs a new authorization. This cannot be undone.</p>
        <form method="post" action="/admin/connections/{{id}}/revoke" class="actions" id="confirm-revoke">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="confirm" value="yes">
        <button type="submit" class="danger">Revoke</button> <a class="button secondary" href="/admin/connections/{{id}}">Cancel</a>
        </form></section>
        {{/body}}{{/admin-layout}}
        """

    static let adminMessage = """
        {{<admin-layout}}{{$title}}{{heading}} · tiktok-business{{/title}}{{$body}}
        <section class="card narrow"><h1>{{heading}}</h1><p>{{message}}</p><p><a class="button secondary" href="/">Back</a></p></section>
        {{/body}}{{/admin-layout}}
        """
}
