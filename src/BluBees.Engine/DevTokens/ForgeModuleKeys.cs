namespace BluBees.Engine.DevTokens;

/// <summary>
/// The manifest module keys (forge-app/manifest.yml) whose Forge Invocation Tokens each backend route accepts, and
/// which the development issuer puts into <c>app.module.key</c>. The backend reads the keys it enforces from
/// configuration (<c>ForgeModules</c>); these are its defaults, and a test fails when they drift from the manifest.
/// </summary>
public static class ForgeModuleKeys
{
    /// <summary>The endpoint of the product-event trigger (<c>POST /forge/events</c>).</summary>
    public const string Events = "events-endpoint";

    /// <summary>The endpoint of the installed/upgraded lifecycle trigger (<c>POST /forge/lifecycle</c>).</summary>
    public const string Lifecycle = "lifecycle-endpoint";

    /// <summary>The endpoint of the preUninstall module (<c>POST /forge/uninstall</c>).</summary>
    public const string Uninstall = "uninstall-endpoint";

    /// <summary>The endpoint of the scheduled trigger (<c>POST /forge/scheduled</c>).</summary>
    public const string Scheduled = "scheduled-endpoint";

    /// <summary>The web trigger whose forwarder function calls <c>POST /forge/webhook</c> with invokeRemote.</summary>
    public const string Webhook = "incoming-webhook";

    /// <summary>
    /// The forwarder function itself (<c>function</c> <c>webhook-forwarder</c>). Its invokeRemote names the remote, not an
    /// endpoint module, and Atlassian's FIT table does not say which key a function's call then carries (the web
    /// trigger's or the function's); <c>POST /forge/webhook</c> accepts both of these two modules of ours.
    /// </summary>
    public const string WebhookFunction = "webhook-forwarder";

    /// <summary>
    /// The admin page (<c>jira:adminPage</c>), whose Custom UI calls <c>/api/*</c> through the resolver endpoint. A
    /// front-end invocation's token names the UI module, not the resolver endpoint: <c>app.module</c> is e.g.
    /// <c>{"type": "xen:macro", "key": "forge-remote-app-boot"}</c>, the key <c>context.moduleKey</c> also carries
    /// (https://developer.atlassian.com/platform/forge/remote/essentials/, the FIT table and example).
    /// </summary>
    public const string Ui = "blubees-admin";

    /// <summary>The issue panel (<c>jira:issuePanel</c>): its Custom UI calls <c>/api/*</c> too, with this module's key.</summary>
    public const string IssuePanel = "blubees-issue-panel";

    /// <summary>
    /// The resolver endpoint both UI modules name (<c>modules.endpoint</c> <c>ui-endpoint</c>). Atlassian's FIT table
    /// describes <c>app.module.key</c> as "the Forge module key for this endpoint" while its example names a UI module;
    /// a token naming the endpoint is accepted on <c>/api/*</c> as the admin page's, so either reading works.
    /// </summary>
    public const string UiEndpoint = "ui-endpoint";

    /// <summary>The module a development token for <paramref name="path"/> must name; <see cref="Ui"/> for anything else.</summary>
    public static string ForPath(string path) => path.Split('?')[0].TrimEnd('/').ToLowerInvariant() switch
    {
        "/forge/events" => Events,
        "/forge/lifecycle" => Lifecycle,
        "/forge/uninstall" => Uninstall,
        "/forge/scheduled" => Scheduled,
        "/forge/webhook" => Webhook,
        _ => Ui,
    };

    /// <summary>Backend modules (events, lifecycle, schedules, web triggers) run without a user: their tokens carry no principal.</summary>
    public static bool IsBackendPath(string path) => path.StartsWith("/forge/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The development module name a caller may pass (<c>events</c>, <c>ui</c>...) → its default key; null when unknown.</summary>
    public static string? ForName(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "ui" or "admin" => Ui,
        "issue-panel" or "issuepanel" => IssuePanel,
        "events" => Events,
        "lifecycle" => Lifecycle,
        "uninstall" or "preuninstall" => Uninstall,
        "scheduled" => Scheduled,
        "webhook" => Webhook,
        _ => null,
    };
}
