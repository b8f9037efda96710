import Mustache

/// The console's Mustache templates (swift-mustache), kept in the binary: no files to find at run
/// time. `{{ }}` escapes HTML; `{{{ }}}` is used only for markup the server built itself (the SVG
/// timeline, whose texts it escapes).
enum ConsoleTemplates {
    static let layout = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} - breachclock</title>
        <style>
        :root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --overdue: #a4001d; --soon: #7a4a00; --ok: #1d5e20; --focus: #0b57d0; }
        body { font: 16px/1.5 system-ui, sans-serif; color: var(--ink); margin: 0; background: #fff; }
        header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
        header nav a { margin-right: 1rem; }
        main { padding: 1rem; max-width: 72rem; }
        a { color: #0b4fa8; }
        a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .4rem; vertical-align: top; }
        .urgency { font-weight: 700; }
        .urgency-overdue { color: var(--overdue); }
        .urgency-soon { color: var(--soon); }
        .urgency-ok { color: var(--ok); }
        .error { color: var(--overdue); font-weight: 700; }
        label { display: block; margin-top: .5rem; font-weight: 600; }
        input, select, textarea { font: inherit; padding: .3rem; max-width: 100%; }
        button { font: inherit; padding: .4rem .9rem; margin-top: .6rem; }
        .muted { color: var(--muted); }
        .skip { position: absolute; left: -10000px; }
        .skip:focus { position: static; display: inline-block; margin: .5rem 1rem; }
        svg text { font: 12px system-ui, sans-serif; fill: #1a1a1a; }
        svg text.muted { fill: var(--muted); }
        .timeline-narrow { display: none; }
        .timeline-narrow text { font-size: 15px; }
        @media (max-width: 600px) { figure { margin: 0; } .timeline-wide { display: none; } .timeline-narrow { display: block; max-width: 24rem; } }
        @media (max-width: 600px) { table, thead, tbody, tr, th, td { display: block; } thead { display: none; } td { border: 0; } tr { border-bottom: 1px solid var(--line); padding: .5rem 0; } }
        </style>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the page's content</a>
        <header>
        <strong>breachclock</strong>
        {{#signedIn}}
        <nav aria-label="Main"><a href="/console/incidents">Incidents</a> <a href="/console/jurisdictions">Jurisdictions</a> <a href="/console/programme">Programme</a> <a href="/console/exercises">Exercises</a> <a href="/console/evidence">Evidence</a>{{#isAdmin}} <a href="/console/webhooks">Webhooks</a>{{/isAdmin}}</nav>
        <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><span class="muted">Signed in as {{keyName}} ({{role}})</span> <button type="submit">Sign out</button></form>
        {{/signedIn}}
        </header>
        <main id="main" tabindex="-1">
        {{{body}}}
        </main>
        <script>
        // Live countdowns; without JavaScript the server's text stands.
        (function () {
          function words(ms) {
            var late = ms < 0, s = Math.abs(ms) / 1000, d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
            var t = d > 0 ? d + " days " + h + " hours" : h > 0 ? h + " hours " + m + " minutes" : m + " minutes";
            return late ? "overdue by " + t : t + " left";
          }
          function tick() {
            var items = document.querySelectorAll("[data-due]");
            for (var i = 0; i < items.length; i++) { items[i].textContent = words(Date.parse(items[i].getAttribute("data-due")) - Date.now()); }
          }
          tick(); setInterval(tick, 30000);
        })();
        </script>
        </body>
        </html>
        """

    static let signIn = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Sign in</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/console/sign-in">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required size="50">
        <button type="submit">Sign in</button>
        </form>
        <p class="muted">Or open a one-time link made with <code>breachclock keys login-link KEY_ID</code>.</p>
        """

    static let incidents = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Incidents</h1>
        {{#canEdit}}<p><a href="/console/incidents/new">Open a new incident</a></p>{{/canEdit}}
        <nav aria-label="Filter">
        {{#filters}}<a href="/console/incidents?show={{value}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a> {{/filters}}
        </nav>
        {{^incidents}}<p>No incidents to show.</p>{{/incidents}}
        {{#hasIncidents}}
        <table>
        <thead><tr><th scope="col">Incident</th><th scope="col">Status</th><th scope="col">Next deadline</th><th scope="col">Time left</th></tr></thead>
        <tbody>
        {{#incidents}}
        <tr><td><a href="/console/incidents/{{id}}">{{title}}</a></td><td>{{status}}</td><td>{{next}}</td>
        <td>{{#urgency}}<span class="urgency urgency-{{urgencyClass}}">{{urgency}}</span> {{/urgency}}{{#due}}<span data-due="{{due}}">{{left}}</span>{{/due}}{{^due}}{{left}}{{/due}}</td></tr>
        {{/incidents}}
        </tbody>
        </table>
        {{/hasIncidents}}
        """

    static let incident = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>{{title}}</h1>
        {{#preview}}
        <section aria-labelledby="preview-heading">
        <h2 id="preview-heading">Preview: what these facts would change (not saved)</h2>
        {{#hasChanges}}<ul>{{#changes}}<li>{{.}}</li>{{/changes}}</ul>{{/hasChanges}}
        {{^hasChanges}}<p>Nothing would move.</p>{{/hasChanges}}
        </section>
        {{/preview}}
        <p>{{status}} · revision {{revision}} · discovered {{discovered}} · <a href="/console/incidents/{{id}}/calendar.ics">calendar (.ics)</a></p>
        {{#message}}<p role="status">{{message}}</p>{{/message}}
        <h2>Timeline</h2>
        <figure>{{{timeline}}}<figcaption class="muted">Discovery, now, each deadline and each notice sent (on narrow screens, in order rather than to scale).</figcaption></figure>
        <h2>Obligations</h2>
        <table>
        <thead><tr><th scope="col">Notify</th><th scope="col">Due</th><th scope="col">Time left</th><th scope="col">Why</th></tr></thead>
        <tbody>
        {{#obligations}}
        <tr>
        <td><strong>{{recipient}}</strong><br><span class="muted">{{id}} · {{citation}}</span>{{#sources}}<br><a href="{{url}}">{{host}}</a>{{/sources}}</td>
        <td>{{due}}</td>
        <td>{{#urgency}}<span class="urgency urgency-{{urgencyClass}}">{{urgency}}</span> {{/urgency}}{{#dueInstant}}<span data-due="{{dueInstant}}">{{left}}</span>{{/dueInstant}}{{^dueInstant}}{{left}}{{/dueInstant}}</td>
        <td><ul>{{#reasons}}<li>{{.}}</li>{{/reasons}}</ul></td>
        </tr>
        {{/obligations}}
        </tbody>
        </table>
        {{#hasNotTriggered}}
        <h2>Not triggered</h2>
        <ul>{{#notTriggered}}<li><strong>{{id}}</strong>: {{reason}}</li>{{/notTriggered}}</ul>
        {{/hasNotTriggered}}
        {{#canEdit}}
        <h2>Record a notice</h2>
        <form method="post" action="/console/incidents/{{id}}/notices">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="revision" value="{{revision}}">
        <label for="obligation">Obligation</label>
        <select id="obligation" name="obligation" required>{{#pending}}<option value="{{id}}">{{id}} - {{recipient}}</option>{{/pending}}</select>
        <label for="sentAt">Sent at (RFC 3339, with offset)</label>
        <input id="sentAt" name="sentAt" required placeholder="2026-03-20T10:00:00-05:00" size="32">
        <label for="method">Method</label>
        <input id="method" name="method" required placeholder="mail, email, online form">
        <label for="reference">Reference (optional)</label>
        <input id="reference" name="reference">
        <button type="submit">Record the notice</button>
        </form>
        <h2>Record a decision</h2>
        <form method="post" action="/console/incidents/{{id}}/decisions">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="revision" value="{{revision}}">
        <label for="kind">Kind and outcome</label>
        <select id="kind" name="decision" required>
        <option value="notice/required">Notice required</option>
        <option value="notice/not-required">Notice not required (give the rationale)</option>
        <option value="risk-of-harm/unlikely">Risk of harm: unlikely</option>
        <option value="risk-of-harm/likely">Risk of harm: likely</option>
        <option value="risk-of-harm/high">Risk of harm: high</option>
        <option value="materiality/material">Material</option>
        <option value="materiality/not-material">Not material</option>
        <option value="law-enforcement-delay/requested">Law enforcement asked for a delay</option>
        <option value="law-enforcement-delay/not-requested">No law-enforcement delay</option>
        </select>
        <label for="decision-obligation">Obligation (optional)</label>
        <select id="decision-obligation" name="obligation"><option value="">the incident as a whole</option>{{#pending}}<option value="{{id}}">{{id}}</option>{{/pending}}</select>
        <label for="owner">Decided by</label>
        <input id="owner" name="owner" required>
        <label for="rationale">Rationale</label>
        <textarea id="rationale" name="rationale" rows="3" cols="60"></textarea>
        <button type="submit">Record the decision</button>
        </form>
        <h2>Change the facts</h2>
        <form method="post" action="/console/incidents/{{id}}/facts">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="revision" value="{{revision}}">
        <label for="facts">What changes in the facts (YAML or JSON Merge Patch; null removes a member)</label>
        <textarea id="facts" name="facts" rows="14" cols="80" spellcheck="false">{{factsText}}</textarea>
        <button type="submit" name="action" value="preview">Preview what would change</button>
        <button type="submit" name="action" value="save">Save</button>
        </form>
        <h2>Close the incident</h2>
        <form method="post" action="/console/incidents/{{id}}/close">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="revision" value="{{revision}}">
        <p>The record, its history and its audit trail stay; a closed incident takes no more notices, decisions or facts.</p>
        <button type="submit">Close the incident</button>
        </form>
        {{/canEdit}}
        <h2>Notices sent</h2>
        {{^notices}}<p>None yet.</p>{{/notices}}
        <ul>{{#notices}}<li>{{obligation}}: {{sentAt}} by {{method}}{{#reference}} ({{reference}}){{/reference}}</li>{{/notices}}</ul>
        <h2>Decisions</h2>
        {{^decisions}}<p>None yet.</p>{{/decisions}}
        <ul>{{#decisions}}<li>{{decidedAt}}: {{what}}{{#obligation}} ({{obligation}}){{/obligation}}, decided by {{owner}}{{#rationale}}. Why: {{rationale}}{{/rationale}}</li>{{/decisions}}</ul>
        <h2>What changed</h2>
        <ol>{{#history}}<li>Revision {{revision}}, {{at}}<ul>{{#changes}}<li>{{.}}</li>{{/changes}}</ul></li>{{/history}}</ol>
        <h2>Audit trail</h2>
        <table>
        <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th></tr></thead>
        <tbody>{{#audit}}<tr><td>{{seq}}</td><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td></tr>{{/audit}}</tbody>
        </table>
        """

    static let newIncident = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Open a new incident</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/console/incidents">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="title">Title</label>
        <input id="title" name="title" required size="60" value="{{title}}">
        <label for="facts">Facts (YAML or JSON, assessment contract v1)</label>
        <textarea id="facts" name="facts" rows="16" cols="80" spellcheck="false" required>{{facts}}</textarea>
        <button type="submit">Open the incident</button>
        </form>
        """

    static let jurisdictions = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Jurisdictions</h1>
        <p class="muted">Rules digest {{digest}}.</p>
        <table>
        <thead><tr><th scope="col">Code</th><th scope="col">Name</th><th scope="col">Law</th><th scope="col">Reviewed</th></tr></thead>
        <tbody>{{#rules}}<tr><td><a href="/console/jurisdictions/{{code}}">{{code}}</a></td><td>{{name}}</td><td>{{law}}</td><td>{{reviewed}}</td></tr>{{/rules}}</tbody>
        </table>
        """

    static let jurisdiction = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>{{name}} ({{code}})</h1>
        <p>{{law}}{{#official}} · <a href="{{official}}">official text</a>{{/official}} · reviewed {{reviewed}}</p>
        <form method="get" action="/console/jurisdictions/{{code}}">
        <label for="asOf">As of (YYYY-MM-DD)</label>
        <input id="asOf" name="asOf" value="{{asOf}}" pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}">
        <button type="submit">Show</button>
        </form>
        {{#unassessed}}<p class="error" role="note">Not assessed: {{about}} ({{reason}}; {{citation}}).</p>{{/unassessed}}
        {{^inForce}}<p class="error" role="note">No version is in force on {{asOf}}.</p>{{/inForce}}
        {{#inForce}}
        <h2>In force on {{asOf}}: {{version}}</h2>
        <p>Triggered by {{trigger}}.</p>
        <h3>Obligations</h3>
        <table>
        <thead><tr><th scope="col">Notify</th><th scope="col">When</th><th scope="col">Deadline</th><th scope="col">Citation</th></tr></thead>
        <tbody>
        {{#obligations}}<tr><td>{{recipient}}</td><td>{{when}}{{#threshold}}<br>{{threshold}}{{/threshold}}</td><td>{{deadline}}</td><td>{{citation}}{{#sources}}<br><a href="{{url}}">{{host}}</a>{{/sources}}</td></tr>{{/obligations}}
        </tbody>
        </table>
        {{/inForce}}
        <h2>Versions</h2>
        <ul>{{#versions}}<li>{{effective}}: {{change}}</li>{{/versions}}</ul>
        {{#hasDisputes}}
        <h2>Where sources disagree</h2>
        <ul>{{#disputes}}<li><strong>{{about}}</strong>: {{reading}} <span class="muted">({{sources}})</span></li>{{/disputes}}</ul>
        {{/hasDisputes}}
        <h2>Sources</h2>
        <ul>{{#sources}}<li><a href="{{url}}">{{id}}</a>{{#kind}} ({{kind}}){{/kind}}, retrieved {{retrieved}}: {{says}}</li>{{/sources}}</ul>
        """

    static let webhooks = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Webhooks</h1>
        {{^hooks}}<p>No subscriptions.</p>{{/hooks}}
        {{#hooks}}
        <section aria-labelledby="hook-{{id}}">
        <h2 id="hook-{{id}}">{{host}} ({{format}})</h2>
        <p>{{id}} · {{state}}{{#reason}}: {{reason}}{{/reason}}{{#failingSince}} · failing since {{failingSince}}{{/failingSince}}</p>
        <p class="muted">Events: {{events}}</p>
        {{#hasDeliveries}}
        <table>
        <thead><tr><th scope="col">Due</th><th scope="col">Event</th><th scope="col">Obligation</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead>
        <tbody>{{#deliveries}}<tr><td>{{due}}</td><td>{{event}}</td><td>{{obligation}}</td><td>{{state}}</td><td>{{attempts}}</td><td>{{error}}</td></tr>{{/deliveries}}</tbody>
        </table>
        {{/hasDeliveries}}
        </section>
        {{/hooks}}
        """

    static let programme = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>{{organisation}}: incident-response programme</h1>
        <p>Revision {{revision}}, imported {{importedAt}} by {{importedBy}} · sha256 <code>{{sha256}}</code></p>
        <h2>Findings on {{asOf}}</h2>
        {{^findings}}<p>None.</p>{{/findings}}
        <ul>{{#findings}}<li><strong>{{kind}}</strong> {{subject}}: {{message}}</li>{{/findings}}</ul>
        <h2>Roles</h2>
        <table>
        <thead><tr><th scope="col">Role</th><th scope="col">Holder</th><th scope="col">Deputy</th><th scope="col">Reviewed</th></tr></thead>
        <tbody>{{#roles}}<tr><td>{{name}}</td><td>{{holder}}</td><td>{{deputy}}</td><td>{{reviewedAt}}</td></tr>{{/roles}}</tbody>
        </table>
        <h2>People</h2>
        <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Phone</th><th scope="col">Chat</th><th scope="col">Reviewed</th></tr></thead>
        <tbody>{{#people}}<tr><td>{{name}}</td><td>{{email}}</td><td>{{phone}}</td><td>{{chat}}</td><td>{{reviewedAt}}</td></tr>{{/people}}</tbody>
        </table>
        <h2>Systems in scope</h2>
        <ul>{{#systems}}<li>{{name}}: {{detection}}</li>{{/systems}}</ul>
        <h2>Review history</h2>
        <ol>{{#revisions}}<li>Revision {{revision}}, {{importedAt}} by {{importedBy}}, sha256 <code>{{sha256}}</code></li>{{/revisions}}</ol>
        """

    static let noProgramme = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Incident-response programme</h1>
        <p>No programme is imported yet: <code>breachclock programme import programme.yaml</code>, or <code>PUT /v1/programme</code>.</p>
        """

    static let exercises = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Tabletop exercises</h1>
        {{^exercises}}<p>No exercise was run yet.</p>{{/exercises}}
        <ul>{{#exercises}}<li><a href="/console/exercises/{{id}}">{{name}}</a>, run {{runAt}}{{^logged}} (not logged yet){{/logged}}</li>{{/exercises}}</ul>
        <h2>Action items</h2>
        {{^items}}<p>None.</p>{{/items}}
        <table>
        <thead><tr><th scope="col">Item</th><th scope="col">Owner</th><th scope="col">Due</th><th scope="col">Status</th><th scope="col">Changes</th></tr></thead>
        <tbody>{{#items}}<tr><td>{{title}}</td><td>{{owner}}</td><td>{{due}}</td><td>{{#overdue}}<span class="urgency urgency-overdue">OVERDUE</span> {{/overdue}}{{status}}</td><td>{{changes}}</td></tr>{{/items}}</tbody>
        </table>
        """

    static let exercise = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>After-action report: {{name}}</h1>
        <p><strong>EXERCISE.</strong> Simulated from {{startsAt}} for {{ranFor}}; run {{runAt}}.</p>
        <h2>Timeline</h2>
        <ul>{{#steps}}<li><strong>{{at}}</strong> {{say}}<ul>{{#changes}}<li>{{.}}</li>{{/changes}}</ul></li>{{/steps}}</ul>
        <h2>Decisions against the deadlines</h2>
        {{^decisions}}<p>No decisions were recorded.</p>{{/decisions}}
        <ul>{{#decisions}}<li>{{at}}, {{by}}: {{decision}} ({{againstDeadline}})</li>{{/decisions}}</ul>
        <h2>Reminders sent (each marked EXERCISE)</h2>
        <ul>{{#reminders}}<li>{{at}} {{event}} {{obligation}} to {{host}}: {{result}}</li>{{/reminders}}</ul>
        <h2>Attendance</h2>
        <ul>{{#attendance}}<li>{{person}}: {{#attended}}attended{{/attended}}{{^attended}}absent{{/attended}}</li>{{/attendance}}</ul>
        <h2>Observations</h2>
        <ul>{{#observations}}<li>{{verdict}}: {{text}} ({{by}})</li>{{/observations}}</ul>
        """

    static let evidence = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>Evidence for an audit period</h1>
        <p>A zip for the auditor: an index mapped to SOC 2 CC7.1-CC7.5, the incidents, triage, exercises and the
        programme's history, with every file's SHA-256 in a manifest anchored in the audit log. Check it with
        <code>breachclock evidence verify FILE --db DB</code>.</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#canEdit}}
        <form method="post" action="/console/evidence">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="from">First day (YYYY-MM-DD)</label>
        <input id="from" name="from" required pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" value="{{from}}">
        <label for="to">Last day, included (YYYY-MM-DD)</label>
        <input id="to" name="to" required pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" value="{{to}}">
        <button type="submit">Export the bundle</button>
        </form>
        {{/canEdit}}
        {{^canEdit}}<p>Exporting writes to the audit log, so it needs the editor role.</p>{{/canEdit}}
        """

    static let problem = """
        {{% CONTENT_TYPE: BREACHCLOCK_HTML}}
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{detail}}</p>
        <p><a href="/console/incidents">Back to the incidents</a></p>
        """

    /// The parsed templates (a fixed text: parsing cannot fail, and a test renders each).
    static let library: MustacheLibrary = {
        MustacheContentTypes.register(FastHTMLEscaping(), named: "BREACHCLOCK_HTML")
        var library = MustacheLibrary()
        for (name, text) in [
            ("layout", layout), ("sign-in", signIn), ("incidents", incidents), ("incident", incident), ("new-incident", newIncident),
            ("problem", problem), ("jurisdictions", jurisdictions), ("jurisdiction", jurisdiction), ("webhooks", webhooks),
            ("programme", programme), ("no-programme", noProgramme), ("exercises", exercises), ("exercise", exercise), ("evidence", evidence),
        ] {
            try? library.register(text, named: name)
        }
        return library
    }()
}

/// HTML escaping of the same five characters as swift-mustache's own (`< > & " '`), over UTF-8 bytes
/// with a pass that returns the text untouched when it has none of them. swift-mustache's escaper
/// walks grapheme clusters through a dictionary, which was 17 % of the incident page's time
/// (perf, scripts/bench-console.py); the test `consoleEscapesLikeMustache` holds the two to the same output.
struct FastHTMLEscaping: MustacheContentType {
    func escapeText(_ text: String) -> String { Self.escape(text) }

    static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 32)
        for byte in utf8 {
            switch byte {
            case 0x3C: out += Array("&lt;".utf8)
            case 0x3E: out += Array("&gt;".utf8)
            case 0x26: out += Array("&amp;".utf8)
            case 0x22: out += Array("&quot;".utf8)
            case 0x27: out += Array("&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
