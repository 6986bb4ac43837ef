import Mustache

/// The console's pages as Mustache templates. `{{x}}` escapes HTML, so data from pushes and
/// endpoints cannot inject markup; only `{{{body}}}` and `{{{chart}}}`, which the console built
/// itself from escaped parts and numbers, are inserted raw. Kept in the binary so the console
/// works wherever the executable is copied.
enum ConsoleTemplates {
    /// Every page template reads its page's typed data inside `{{#page}}`, with the frame's
    /// `csrf` and `store` beneath it (`ConsoleRenderer`); the layout and the partial do not.
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        try library.register(layout, named: "layout")
        try library.register(problems, named: "problems")
        for (name, text) in pages { try library.register("{{#page}}" + text + "{{/page}}", named: name) }
        return library
    }

    static let pages: [(String, String)] = [
        (SignInPage.template, signIn), (StoresPage.template, stores), (DashboardPage.template, dashboard),
        (MessagesPage.template, messages), (MessagePage.template, message), (NotificationsPage.template, notifications),
        (MappingsPage.template, mappings), (EditorPage.template, editor), (SchedulersPage.template, schedulers),
        (ParametersPage.template, parameters), (TestToolPage.template, test), (ErrorPage.template, error),
    ]

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Integrator</title>
        <link rel="stylesheet" href="/console/assets/console.css"><script src="/console/assets/console.js" defer></script></head>
        <body>
        <header><span class="brand">Integrator</span>
        {{#signedIn}}<a href="/console">Stores</a>{{/signedIn}}
        {{#store}}
        <a href="/console/stores/{{store}}" class="{{#nav.dashboard}}here{{/nav.dashboard}}">Dashboard</a>
        <a href="/console/stores/{{store}}/messages" class="{{#nav.messages}}here{{/nav.messages}}">Messages</a>
        <a href="/console/stores/{{store}}/notifications" class="{{#nav.notifications}}here{{/nav.notifications}}">Notifications</a>
        <a href="/console/stores/{{store}}/mappings" class="{{#nav.mappings}}here{{/nav.mappings}}">Mappings</a>
        <a href="/console/stores/{{store}}/schedulers" class="{{#nav.schedulers}}here{{/nav.schedulers}}">Schedulers</a>
        <a href="/console/stores/{{store}}/parameters" class="{{#nav.parameters}}here{{/nav.parameters}}">Parameters</a>
        <a href="/console/stores/{{store}}/test" class="{{#nav.test}}here{{/nav.test}}">Test tool</a>
        {{/store}}
        {{#signedIn}}<form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">\
        Sign out</button></form>{{/signedIn}}
        </header>
        <main>
        {{#notice}}<div class="notice" id="notice">{{notice}}</div>{{/notice}}
        {{{body}}}
        </main></body></html>
        """

    /// A page's `FormProblems`, when it has any.
    static let problems = """
        {{#problems}}{{#error}}<div class="problems" id="problems"><strong>{{error}}</strong>
        {{#hasErrors}}<ul>{{#errors}}<li>{{#path}}<code>{{path}}</code>: {{/path}}{{problem}}</li>{{/errors}}</ul>{{/hasErrors}}</div>\
        {{/error}}{{/problems}}
        """

    static let signIn = """
        <h1>Sign in</h1>
        {{>problems}}
        <form method="post" action="/console/sign-in" class="narrow">
        <input type="hidden" name="next" value="{{next}}">
        <label for="token">Admin token</label>
        <p><input type="password" id="token" name="token" autocomplete="current-password" class="wide" autofocus></p>
        <button type="submit" id="sign-in">Sign in</button>
        <p class="muted">The token <code>integrator serve</code> printed at its first start, or the one you set with <code>--admin-token</code>.</p>
        </form>
        """

    static let stores = """
        <h1>Stores</h1>
        {{>problems}}
        {{#created}}<div class="notice" id="created-token">Store <strong>{{id}}</strong> created. Its token, shown only this once: <code>\
        {{token}}</code></div>{{/created}}
        <table id="stores"><tr><th>Store</th><th>Name</th><th>Created</th></tr>
        {{#stores}}<tr><td><a href="/console/stores/{{id}}">{{id}}</a></td><td>{{name}}</td><td>{{created_at}}</td></tr>{{/stores}}
        {{^stores}}<tr><td colspan="3" class="muted">No store yet: create one below.</td></tr>{{/stores}}
        </table>
        <h2>New store</h2>
        <form method="post" action="/console/stores" class="filters"><input type="hidden" name="csrf" value="{{csrf}}">
        <div><label for="new-id">Id</label><input id="new-id" name="id" placeholder="acme" required></div>
        <div><label for="new-name">Name</label><input id="new-name" name="name" placeholder="Acme Shop"></div>
        <div><label for="new-token">Token (blank: generate)</label><input id="new-token" name="token"></div>
        <button type="submit">Create store</button>
        </form>
        """

    static let dashboard = """
        <h1>{{name}} <span class="muted">· {{store}}</span></h1>
        <div class="cards" id="queues">
        {{#queues}}<a class="card" href="{{link}}"><div class="n" data-state="{{state}}">{{count}}</div><div class="l">{{state}}</div></a>{{/queues}}
        </div>
        <h2>Last hour, per minute</h2>
        <div class="chart">{{{chart}}}
        <div class="muted"><span class="key-received">■</span> received: {{receivedTotal}} &nbsp; <span class="key-failed">■</span>\
         failed attempts: {{failedTotal}}</div></div>
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        <h2>Endpoint health</h2>
        <table id="health"><tr><th>Mapping</th><th>Breaker</th><th>Last success</th><th>Failures, last hour</th><th></th></tr>
        {{#health}}<tr data-mapping="{{mapping}}"><td>{{mapping}}{{#paused}} <span class="badge s-paused">paused</span>{{/paused}}</td>
        <td><span class="badge breaker-{{breaker}}">{{breaker}}</span>
        {{#probe_at}}<span class="muted">probe at {{probe_at}}</span>{{/probe_at}}</td>
        <td>{{last_success_at}}{{^last_success_at}}<span class="muted">none yet</span>{{/last_success_at}}</td><td>{{failures_last_hour}}</td>
        <td>{{#paused}}<form method="post" action="/console/stores/{{store}}/mappings/{{escaped}}/resume">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="resume">Resume</button></form>{{/paused}}
        {{^paused}}<form method="post" action="/console/stores/{{store}}/mappings/{{escaped}}/pause">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary pause">Pause</button></form>{{/paused}}
        </td></tr>{{/health}}
        {{^health}}<tr><td colspan="5" class="muted">No mapping yet.</td></tr>{{/health}}
        </table>
        <p class="muted" id="retention">Finished history is kept for {{retention}} ({{retentionSource}}; 0 keeps everything).</p>
        <h2>Needs attention</h2>
        <table id="attention"><tr><th>Message</th><th>Name</th><th>State</th><th>Last error</th><th>Received</th></tr>
        {{#attention}}<tr><td><a href="/console/stores/{{store_id}}/messages/{{id}}">{{id}}</a></td><td>{{message}}</td><td>\
        <span class="badge s-{{state}}">{{state}}</span></td><td>{{last_error}}</td><td>{{created_at}}</td></tr>{{/attention}}
        {{^attention}}<tr><td colspan="5" class="muted">Nothing failing or parked.</td></tr>{{/attention}}
        </table>
        """

    static let messages = """
        <h1>Messages</h1>
        {{>problems}}
        <form class="filters" method="get">
        <div><label for="f-message">Message</label><input id="f-message" name="message" value="{{query.message}}" placeholder="order:new"></div>
        <div><label for="f-state">State</label><select id="f-state" name="state">\
        {{#states}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/states}}</select></div>
        <div><label for="f-mapping">Mapping</label><input id="f-mapping" name="mapping" value="{{query.mapping}}"></div>
        <div><label for="f-identifier">Identifier</label>\
        <input id="f-identifier" name="identifier" value="{{query.identifier}}" placeholder="order_number:R123"></div>
        <div><label for="f-since">Since</label><input id="f-since" name="since" value="{{query.since}}" placeholder="2026-11-24T00:00:00Z"></div>
        <div><label for="f-until">Until</label><input id="f-until" name="until" value="{{query.until}}"></div>
        <button type="submit">Filter</button>
        </form>
        <table id="messages"><tr><th>Message</th><th>Name</th><th>State</th><th>Deliveries</th><th>Origin</th><th>Received</th></tr>
        {{#messages}}<tr><td><a href="/console/stores/{{store_id}}/messages/{{id}}">{{id}}</a></td><td>{{message}}</td><td>\
        <span class="badge s-{{state}}">{{state}}</span></td>
        <td>{{#deliveries}}<span class="badge s-{{state}}" title="{{last_error}}">{{mapping}}: {{state}}</span>\
         {{/deliveries}}{{^deliveries}}<span class="muted">{{note}}</span>{{/deliveries}}</td><td>{{origin}}</td><td>{{created_at}}</td></tr>\
        {{/messages}}
        {{^messages}}<tr><td colspan="6" class="muted">No message matches.</td></tr>{{/messages}}
        </table>
        <div class="pager">{{#pager.previous}}<a href="{{pager.previous}}">← Newer</a>{{/pager.previous}}<span class="muted">\
        Page {{pager.currentPage}} of {{pager.pages}} · {{pager.count}} messages</span>\
        {{#pager.next}}<a href="{{pager.next}}" id="next-page">Older →</a>{{/pager.next}}</div>
        """

    static let message = """
        {{#detail}}<h1>{{message}} <span class="badge s-{{state}}" id="message-state">{{state}}</span></h1>
        {{>problems}}
        <div class="actions">
        <a class="button secondary ink" href="/console/stores/{{store_id}}/messages/{{id}}">Refresh</a>
        <form method="post" action="/console/stores/{{store_id}}/messages/{{id}}/attempt"><input type="hidden" name="csrf" value="{{csrf}}">\
        <button type="submit" id="attempt-now">Attempt now</button></form>
        <form method="post" action="/console/stores/{{store_id}}/messages/{{id}}/archive"><input type="hidden" name="csrf" value="{{csrf}}">\
        <button type="submit" class="secondary" id="archive">Archive</button></form>
        </div>
        <dl id="attributes">
        <dt>Id</dt><dd>{{id}}</dd><dt>Store</dt><dd>{{store_id}}</dd><dt>Origin</dt><dd>{{origin}}</dd><dt>Received</dt><dd>{{created_at}}</dd>
        {{#parent_id}}<dt>Parent</dt><dd><a href="/console/stores/{{store_id}}/messages/{{parent_id}}">{{parent_id}}</a></dd>{{/parent_id}}
        {{#identifierList}}<dt>{{name}}</dt><dd><a href="/console/stores/{{store_id}}/messages?identifier={{name}}:{{value}}">{{value}}</a>\
         · <a href="/console/stores/{{store_id}}/notifications?reference={{value}}">notifications</a></dd>{{/identifierList}}
        {{#note}}<dt>Note</dt><dd>{{note}}</dd>{{/note}}
        {{#routing}}<dt>{{mapping}}</dt><dd class="routing">\
        <span class="badge {{#matches}}s-completed{{/matches}}{{^matches}}s-skipped{{/matches}}">\
        {{#matches}}takes it{{/matches}}{{^matches}}refuses it{{/matches}}</span> {{why}}</dd>{{/routing}}
        {{#last_error}}<dt>Last error</dt><dd id="last-error">{{last_error}}</dd>{{/last_error}}
        </dl>
        <h2>Deliveries</h2>
        <table id="deliveries"><tr><th>Mapping</th><th>State</th><th>Attempts</th><th>Next attempt</th><th>Last status</th><th>Last error</th></tr>
        {{#deliveries}}<tr><td>{{mapping}}</td><td><span class="badge s-{{state}}">{{state}}</span>{{#waiting_for}} <span class="muted">\
        waiting for {{waiting_for}}</span>{{/waiting_for}}</td><td>{{attempts}}</td><td>{{next_attempt_at}}</td><td>{{last_status}}</td><td>\
        {{last_error}}</td></tr>
        {{#transformedJSON}}<tr><td></td><td colspan="5"><div class="muted">Sent as (the mapping's transform):</div><pre class="transformed">\
        {{transformedJSON}}</pre></td></tr>{{/transformedJSON}}
        {{#hasAttempts}}<tr><td></td><td colspan="5"><table><tr><th>#</th><th>Started</th><th>ms</th><th>Status</th><th>Error</th><th>\
        Response</th></tr>
        {{#attempt_log}}<tr><td>{{number}}</td><td>{{started_at}}</td><td>{{duration_ms}}</td><td>{{status}}</td><td>{{error}}</td><td><code>\
        {{response}}</code></td></tr>{{/attempt_log}}</table></td></tr>{{/hasAttempts}}
        {{/deliveries}}
        {{^deliveries}}<tr><td colspan="6" class="muted">No delivery: {{note}}</td></tr>{{/deliveries}}
        </table>
        <h2>Children</h2>
        <table id="children"><tr><th>Message</th><th>Name</th><th>State</th><th>Origin</th></tr>
        {{#children}}<tr><td><a href="/console/stores/{{store_id}}/messages/{{id}}">{{id}}</a></td><td>{{message}}</td><td>\
        <span class="badge s-{{state}}">{{state}}</span></td><td>{{origin}}</td></tr>{{/children}}
        {{^children}}<tr><td colspan="4" class="muted">None.</td></tr>{{/children}}
        </table>
        <h2>Notifications</h2>
        <table id="message-notifications"><tr><th>Level</th><th>Subject</th><th>Description</th><th>From</th><th>Times</th></tr>
        {{#notifications}}<tr><td><span class="badge l-{{level}}">{{level}}</span></td><td>{{subject}}</td><td>{{description}}</td><td>\
        {{origin}}</td><td>{{occurrences}}</td></tr>{{/notifications}}
        {{^notifications}}<tr><td colspan="5" class="muted">None.</td></tr>{{/notifications}}
        </table>
        <div class="row">
        <div><h2>Result</h2><pre id="result">{{resultJSON}}</pre></div>
        <div><h2>Payload</h2><pre id="payload">{{payloadJSON}}</pre></div>
        </div>
        <h2>Edit and resend</h2>
        <form method="post" action="/console/stores/{{store_id}}/messages/{{id}}/resend"><input type="hidden" name="csrf" value="{{csrf}}">
        <p><label for="resend-name">Message</label><input id="resend-name" name="message" value="{{message}}"></p>
        <textarea name="payload" id="resend-payload" rows="14">{{editJSON}}</textarea>
        <p><button type="submit" id="resend">Resend as a new message</button> <span class="muted">Archives what is left of this one.</span></p>
        </form>{{/detail}}
        """

    static let notifications = """
        <h1>Notifications</h1>
        {{>problems}}
        <form class="filters" method="get">
        <div><label for="n-level">Level</label><select id="n-level" name="level">\
        {{#levels}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/levels}}</select></div>
        <div><label for="n-reference">Reference (an order number)</label><input id="n-reference" name="reference" value="{{query.reference}}"></div>
        <button type="submit">Search</button>
        </form>
        <table id="notifications"><tr><th>Level</th><th>Subject</th><th>Description</th><th>Reference</th><th>From</th><th>Times</th><th>Last</th>\
        <th>Message</th></tr>
        {{#notifications}}<tr><td><span class="badge l-{{level}}">{{level}}</span></td><td>{{subject}}</td><td>{{description}}</td><td>\
        {{reference}}</td><td>{{origin}}</td><td>{{occurrences}}</td><td>{{last_update}}</td>
        <td><a href="/console/stores/{{store_id}}/messages/{{message_id}}">{{message_id}}</a></td></tr>{{/notifications}}
        {{^notifications}}<tr><td colspan="8" class="muted">No notification matches.</td></tr>{{/notifications}}
        </table>
        <div class="pager">{{#pager.previous}}<a href="{{pager.previous}}">← Newer</a>{{/pager.previous}}<span class="muted">\
        Page {{pager.currentPage}} of {{pager.pages}} · {{pager.count}}</span>\
        {{#pager.next}}<a href="{{pager.next}}">Older →</a>{{/pager.next}}</div>
        """

    static let mappings = """
        <h1>Mappings</h1>
        <table id="mappings"><tr><th>Name</th><th>Messages</th><th>URL</th><th>Filters</th><th>Identifiers</th><th>Enabled</th></tr>
        {{#mappings}}<tr><td><a href="/console/stores/{{store}}/mappings/{{escapedName}}">{{name}}</a></td><td>{{messageList}}</td><td>\
        {{url}}</td><td>{{filterCount}}</td><td>{{identifierList}}</td><td>{{enabled}}</td></tr>{{/mappings}}
        {{^mappings}}<tr><td colspan="6" class="muted">No mapping: nothing is delivered until one is added.</td></tr>{{/mappings}}
        </table>
        <p><a class="button" href="/console/stores/{{store}}/new-mapping" id="new-mapping">New mapping</a></p>
        """

    static let schedulers = """
        <h1>Schedulers</h1>
        <table id="schedulers"><tr><th>Id</th><th>Message</th><th>Every (s)</th><th>Enabled</th><th>Next run</th><th>Last run</th></tr>
        {{#schedulers}}<tr><td><a href="/console/stores/{{store}}/schedulers/{{escapedID}}">{{id}}</a></td><td>{{message}}</td><td>\
        {{interval}}</td><td>{{enabled}}</td><td>{{next_run_at}}</td><td>{{last_run_at}}</td></tr>{{/schedulers}}
        {{^schedulers}}<tr><td colspan="6" class="muted">No scheduler.</td></tr>{{/schedulers}}
        </table>
        <p><a class="button" href="/console/stores/{{store}}/new-scheduler" id="new-scheduler">New scheduler</a></p>
        """

    /// The JSON editor shared by mappings and schedulers: the document in the admin API's form.
    static let editor = """
        <h1>{{heading}}</h1>
        {{>problems}}
        <form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}">
        <textarea name="document" id="document" rows="24" spellcheck="false">{{document}}</textarea>
        <p><button type="submit" id="save">Save</button> <span class="muted">{{help}}</span></p>
        </form>
        {{#deleteAction}}<form method="post" action="{{deleteAction}}" data-confirm="Delete?"><input type="hidden" name="csrf" value="{{csrf}}">\
        <button type="submit" class="danger" id="delete">Delete</button></form>{{/deleteAction}}
        {{#tryAction}}<h2>Try it</h2>
        <p class="muted">Would this mapping take a message, and why? Nothing is pushed or delivered.</p>
        <form method="post" action="{{tryAction}}" id="try-form"><input type="hidden" name="csrf" value="{{csrf}}">
        <div class="filters"><div><label for="try-message">Message</label><input id="try-message" name="message" value="{{tryMessage}}"></div></div>
        <textarea name="payload" id="try-payload" rows="10" spellcheck="false">{{tryPayload}}</textarea>
        <p><button type="submit" id="try-it" class="secondary">Try it</button></p>
        </form>
        {{#tryResult}}<div id="try-result" class="{{#matches}}notice{{/matches}}{{^matches}}problems{{/matches}}"><strong id="try-verdict">\
        {{verdict}}</strong>: <span id="try-why">{{why}}</span></div>
        <pre id="try-filters">{{filtersJSON}}</pre>{{/tryResult}}{{/tryAction}}
        """

    static let parameters = """
        <h1>Parameters</h1>
        {{>problems}}
        <table id="parameters"><tr><th>Name</th><th>Value (JSON)</th><th></th></tr>
        {{#parameters}}<tr><td>{{name}}</td><td>
        <form method="post" action="/console/stores/{{store}}/parameters" class="filters flush"><input type="hidden" name="csrf" value="{{csrf}}">\
        <input type="hidden" name="name" value="{{name}}">
        <input name="value" value="{{valueJSON}}" class="value"><button type="submit" class="secondary">Save</button></form></td>
        <td><form method="post" action="/console/stores/{{store}}/parameters/{{escapedName}}/delete">\
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary">Delete</button></form></td></tr>{{/parameters}}
        {{^parameters}}<tr><td colspan="3" class="muted">No parameter.</td></tr>{{/parameters}}
        </table>
        <h2>Add a parameter</h2>
        <form method="post" action="/console/stores/{{store}}/parameters" class="filters"><input type="hidden" name="csrf" value="{{csrf}}">
        <div><label for="p-name">Name</label><input id="p-name" name="name" placeholder="spree.api_url"></div>
        <div><label for="p-value">Value (JSON, or plain text for a string)</label><input id="p-value" name="value" class="value"></div>
        <button type="submit">Add</button>
        </form>
        """

    static let test = """
        <h1>Test tool</h1>
        <p class="muted">Push a sample message into the store as if the shop had sent it (origin <code>test</code>), then follow it.</p>
        {{>problems}}
        <form method="get" class="filters">
        <div><label for="t-kind">Sample</label><select id="t-kind" name="kind">\
        {{#kinds}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/kinds}}</select></div>
        <button type="submit" class="secondary">Load sample</button>
        </form>
        <form method="post" action="/console/stores/{{store}}/test"><input type="hidden" name="csrf" value="{{csrf}}">
        <textarea name="document" id="document" rows="26" spellcheck="false">{{document}}</textarea>
        <p><button type="submit" id="push">Push</button></p>
        </form>
        """

    static let error = """
        <h1>{{heading}}</h1>
        <div class="problems">{{error}}</div>
        <p><a href="/console">Back to the stores</a></p>
        """

    /// The console's stylesheet, served as a file: the content security policy allows no inline style.
    static let stylesheet = """
        :root { --ink:#1d2433; --muted:#667085; --line:#e4e7ec; --bg:#f7f8fa; --accent:#2457c5; --bad:#c4320a; --ok:#067647; --warn:#b54708; }
        * { box-sizing: border-box; }
        body { margin:0; font:14px/1.45 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--ink); background:var(--bg); }
        header { background:#101828; color:#fff; padding:0 24px; display:flex; align-items:center; gap:20px; height:52px; }
        header a { color:#d0d5dd; text-decoration:none; } header a:hover, header a.here { color:#fff; }
        header .brand { font-weight:700; color:#fff; margin-right:12px; }
        header form { margin-left:auto; } header button { background:none; border:1px solid #475467; color:#d0d5dd; border-radius:6px; \
        padding:4px 10px; cursor:pointer; }
        main { max-width:1240px; margin:0 auto; padding:24px; }
        h1 { font-size:22px; margin:0 0 16px; } h2 { font-size:16px; margin:24px 0 8px; }
        a { color:var(--accent); }
        table { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); border-radius:8px; }
        th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
        th { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); background:#fcfcfd; }
        .cards { display:flex; flex-wrap:wrap; gap:12px; margin-bottom:16px; }
        .card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-width:120px; text-decoration:none; \
        color:inherit; }
        .card .n { font-size:24px; font-weight:700; } .card .l { color:var(--muted); font-size:12px; text-transform:uppercase; }
        .badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; background:#eef2f6; }
        .s-completed { background:#dcfae6; color:var(--ok); } .s-failing, .s-parked, .l-error { background:#fee4e2; color:var(--bad); }
        .s-pending, .s-scheduled, .s-running { background:#eff4ff; color:var(--accent); } .s-skipped, .s-archived { background:#f2f4f7; \
        color:var(--muted); }
        .l-warn { background:#fef0c7; color:var(--warn); } .l-info { background:#eff4ff; color:var(--accent); }
        form.filters { display:flex; flex-wrap:wrap; gap:8px; align-items:end; margin-bottom:12px; }
        label { display:block; font-size:12px; color:var(--muted); }
        input, select, textarea { font:inherit; padding:6px 8px; border:1px solid #d0d5dd; border-radius:6px; background:#fff; }
        textarea { width:100%; font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:13px; }
        button, .button { font:inherit; background:var(--accent); color:#fff; border:0; border-radius:6px; padding:7px 14px; cursor:pointer; \
        text-decoration:none; display:inline-block; }
        .secondary, a.button.secondary { background:#fff; color:var(--ink); border:1px solid #d0d5dd; } button.danger { background:var(--bad); }
        pre { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; overflow:auto; max-height:420px; font-size:12.5px; \
        margin:0; }
        .notice { background:#dcfae6; border:1px solid #abefc6; padding:10px 14px; border-radius:8px; margin-bottom:16px; }
        .problems { background:#fef3f2; border:1px solid #fecdca; color:#7a271a; padding:10px 14px; border-radius:8px; margin-bottom:16px; }
        .problems code { color:var(--bad); }
        .muted { color:var(--muted); } .row { display:flex; gap:16px; flex-wrap:wrap; } .row > * { flex:1; min-width:320px; }
        .actions { display:flex; gap:8px; margin:12px 0; } .actions form { margin:0; }
        .pager { margin-top:12px; display:flex; gap:12px; align-items:center; }
        dl { display:grid; grid-template-columns:160px 1fr; gap:4px 12px; background:#fff; border:1px solid var(--line); border-radius:8px; \
        padding:12px 16px; margin:0; }
        dt { color:var(--muted); } dd { margin:0; }
        .narrow { max-width:420px; } .wide { width:100%; } .value { min-width:380px; } form.flush { margin:0; }
        .chart { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; }
        .key-received { color:#2457c5; } .key-failed { color:#c4320a; } a.button.ink { color:var(--ink); }
        """

    /// Asks before a form marked `data-confirm` is sent (no inline handlers under the policy).
    static let script = """
        document.addEventListener("submit", function (event) {
          var question = event.target.getAttribute("data-confirm");
          if (question && !window.confirm(question)) { event.preventDefault(); }
        });
        """
}
