using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Each tenant's Jira field list (<c>GET /rest/api/3/field</c>, id and name of every system and custom field:
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get) as
/// <see cref="JiraFieldNames"/>, for smart values that name fields by their display name (<c>{{issue.Story Points}}</c>).
/// <para>
/// When: once at the start of a run whose rule names fields by display name (<see cref="Rules.CompiledRule.UsesFieldNames"/>),
/// never during a render. A render is synchronous and runs under the template budget; a network call there would
/// stall it and could repeat per render, per loop iteration, per step. Not at save time either: a field renamed in Jira
/// after the save would silently stop resolving until the rule was saved again, and the save would need Jira to answer.
/// </para>
/// <para>
/// Cached per tenant for <see cref="Lifetime"/> (a renamed field resolves by its new name within that time), a failed
/// load for <see cref="FailureLifetime"/> (a broken site is not asked again on every run), one load in flight per tenant
/// however many runs start together, at most <see cref="MaxTenants"/> tenants held. A tenant without a system token or a
/// usable site gets no names: display-name paths read nil, as an unknown field does in Jira Automation. A tenant's entry
/// goes at its uninstall (<see cref="ForgetTenant"/>).
/// </para>
/// </summary>
public sealed partial class JiraFieldCatalog : ITenantMemory
{
    public const int MaxTenants = 1_000;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan FailureLifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly JiraSite site;
    private readonly TimeProvider time;
    private readonly IOptions<JiraActionOptions> options;
    private readonly IOptions<RunOptions> runOptions;
    private readonly ILogger<JiraFieldCatalog> logger;

    internal JiraFieldCatalog(JiraSite site, TimeProvider time, IOptions<JiraActionOptions> options, IOptions<RunOptions> runOptions, ILogger<JiraFieldCatalog> logger)
    {
        this.site = site;
        this.time = time;
        this.options = options;
        this.runOptions = runOptions;
        this.logger = logger;
    }

    /// <summary>The cached names only, never a call: the dry run sends nothing and has no system token.</summary>
    public IDisposable? ActivateCached(TenantId tenantId)
        => _entries.TryGetValue(tenantId.Value, out var entry) && entry.Load.IsValueCreated && entry.Load.Value.IsCompletedSuccessfully
            && entry.Fresh(time.GetUtcNow()) && entry.Load.Value.Result is { } names ? names.Activate() : null;

    /// <summary>
    /// Loads (or reuses) the tenant's field names. The caller activates them (<see cref="JiraFieldNames.Activate"/>) on
    /// its own flow: an ambient value set inside an async method would not outlive the method.
    /// </summary>
    public async Task<JiraFieldNames?> GetAsync(TenantContext tenant, string? systemToken, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(systemToken) || site.BaseUrl(tenant.ApiBaseUrl) is not { } baseUrl)
        {
            return null;
        }

        var now = time.GetUtcNow();
        Entry Create() => new(new Lazy<Task<JiraFieldNames?>>(() => LoadAsync(baseUrl, systemToken)), now);
        if (!_entries.ContainsKey(tenant.TenantId))
        {
            MakeRoom(now);
        }

        var entry = _entries.AddOrUpdate(tenant.TenantId, _ => Create(), (_, old) => old.Fresh(now) ? old : Create());

        // The load is shared by every run of the tenant, so one run's cancellation must not cancel it for the others.
        return await entry.Load.Value.WaitAsync(ct);
    }

    private async Task<JiraFieldNames?> LoadAsync(Uri baseUrl, string token)
    {
        var tally = new JiraCallTally(TimeSpan.FromSeconds(options.Value.ActionTimeoutSeconds), runOptions.Value.MaxStepResponseBytes);
        try
        {
            using var response = await site.Client(baseUrl).GetFieldsAsync(token, JiraTrace.New(null), tally, CancellationToken.None);
            if (!response.IsSuccessStatusCode || response.Content is not { } fields)
            {
                LogLoadFailed(logger, (int)(response.StatusCode ?? 0), tally.Failure.ToString());
                return null;
            }

            var names = JiraFieldNames.From(fields.OfType<JsonObject>()
                .Select(f => (Id: JiraValues.Text(f["id"]), Name: JiraValues.Text(f["name"])))
                .Where(f => f.Id is not null && f.Name is not null)
                .Select(f => (f.Id!, f.Name!)));
            LogLoaded(logger, names.Count);
            return names;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogLoadFailed(logger, 0, ex.GetType().Name); // the type only: a message could quote the site or the response
            return null;
        }
    }

    /// <summary>
    /// Drops the tenant's field list at its uninstall (<see cref="TenantService"/>): it was served for up to
    /// <see cref="Lifetime"/> after it, to a reinstall under the same id too. A load in flight finishes into the
    /// dropped entry, which nothing reaches any more.
    /// </summary>
    public void ForgetTenant(TenantId tenantId) => _entries.TryRemove(tenantId.Value, out _);

    /// <summary>Keeps the cache bounded: drops stale entries, then the oldest, before a new tenant is added.</summary>
    private void MakeRoom(DateTimeOffset now)
    {
        if (_entries.Count < MaxTenants)
        {
            return;
        }

        foreach (var (tenant, entry) in _entries)
        {
            if (!entry.Fresh(now))
            {
                _entries.TryRemove(tenant, out _);
            }
        }

        while (_entries.Count >= MaxTenants && _entries.MinBy(e => e.Value.Created) is { Key: { } oldest })
        {
            _entries.TryRemove(oldest, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the Jira field list for display-name smart values ({Count} names)")]
    private static partial void LogLoaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the Jira field list for display-name smart values (status {Status}, {Failure}); names read as empty for a minute")]
    private static partial void LogLoadFailed(ILogger logger, int status, string failure);

    private sealed record Entry(Lazy<Task<JiraFieldNames?>> Load, DateTimeOffset Created)
    {
        /// <summary>A load in flight is fresh; a finished one for its lifetime (shorter after a failure).</summary>
        public bool Fresh(DateTimeOffset now)
        {
            if (!Load.IsValueCreated || !Load.Value.IsCompleted)
            {
                return true;
            }

            var lifetime = Load.Value.IsCompletedSuccessfully && Load.Value.Result is not null ? Lifetime : FailureLifetime;
            return now - Created < lifetime;
        }
    }
}
