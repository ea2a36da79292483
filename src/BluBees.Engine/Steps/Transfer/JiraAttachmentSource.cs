using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// A transfer source that is a Jira attachment of the site that sent the event: <c>GET {apiBaseUrl}/rest/api/3/
/// attachment/content/{id}</c> with the Forge system token, resolved exactly like the Jira steps' site (the verified
/// token's <c>apiBaseUrl</c> on an Atlassian host, or the test override). Jira answers with a redirect to its media
/// host; the egress guard re-checks that hop and drops the token there because the origin changes.
/// </summary>
internal static class JiraAttachmentSource
{
    public const string ContentPath = "/rest/api/3/attachment/content/";

    /// <summary>Attachment ids are numbers; 20 digits is more than any Jira id.</summary>
    public const int MaxIdLength = 20;

    private static readonly (string Field, Func<TransferEndpointDefinition, bool> Set)[] HttpFields =
    [
        ("connection", s => s.Connection is not null), ("url", s => s.Url is not null), ("path", s => s.Path is not null),
        ("method", s => s.Method is not null), ("headers", s => s.Headers is not null), ("query", s => s.Query is not null),
    ];

    /// <summary>Compiles the id template; the HTTP fields of a side make no sense beside it and are named as errors.</summary>
    public static Template? Compile(TransferEndpointDefinition side, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        foreach (var (field, set) in HttpFields)
        {
            if (set(side))
            {
                errors.Add($"{path}.{field}", "cannot be combined with 'jiraAttachment': the attachment is fetched from the event's Jira site");
            }
        }

        var source = side.JiraAttachment!;
        if (source.Trim().Length == 0)
        {
            errors.Add(path + ".jiraAttachment", "must not be empty: a template rendering the attachment id, e.g. {{ issue.fields.attachment[0].id }}");
            return null;
        }

        if (!source.Contains("{{", StringComparison.Ordinal) && !IsId(source.Trim()))
        {
            errors.Add(path + ".jiraAttachment", "must be an attachment id (digits) or a template rendering one");
            return null;
        }

        var template = TemplateCompilation.Compile(source, path + ".jiraAttachment", limits, errors);
        return errors.Count > before ? null : template;
    }

    /// <summary>The request to send, or why none can be: no system token, no usable site, or no attachment id.</summary>
    public static PreparedSide Prepare(Template id, StepRun run, string? apiBaseUrlOverride, TemplateLimits limits)
    {
        if (string.IsNullOrEmpty(run.SystemToken))
        {
            return Fail(ErrorCategories.SystemTokenMissing, "jiraAttachment: the triggering call carried no Forge system token");
        }

        if (JiraSite.Resolve(run.Tenant.ApiBaseUrl, apiBaseUrlOverride) is not { } site)
        {
            return Fail(ErrorCategories.InvalidUrl, "jiraAttachment: the event has no usable Jira apiBaseUrl");
        }

        var (attachment, failure) = Render(id, run.Scope, limits);
        if (failure is not null)
        {
            return failure;
        }

        var headers = new EgressHeader[]
        {
            new("Authorization", "Bearer " + run.SystemToken, IsCredential: true),
            new(JiraTrace.Header, run.Trace ?? JiraTrace.New(null)),
        };
        var siteUrl = site.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var url = new Uri(siteUrl + ContentPath + attachment);

        // The system token stays inside the site on redirects too (as JiraSiteScope holds the Jira steps' calls): Jira's
        // 303 to the media host, or a hop to another path of the same host, goes without it.
        var request = new PreparedRequest("GET", url, headers, null, null) { CredentialScope = CredentialScope.Of(siteUrl) };
        return new PreparedSide(request, null, null, null) { Host = url.Host };
    }

    /// <summary>What a dry run shows: the site as <c>{apiBaseUrl}</c> (or the override) and the token masked; nothing is sent.</summary>
    public static (JsonObject? Request, PreparedSide? Failure) Preview(Template id, JsonObject scope, string? apiBaseUrlOverride, TemplateLimits limits)
    {
        var (attachment, failure) = Render(id, scope, limits);
        if (failure is not null)
        {
            return (null, failure);
        }

        var site = string.IsNullOrEmpty(apiBaseUrlOverride) ? JiraPreview.SitePlaceholder : apiBaseUrlOverride.TrimEnd('/');
        return (new JsonObject
        {
            ["method"] = "GET",
            ["url"] = site + ContentPath + attachment,
            ["headers"] = new JsonObject { ["Authorization"] = "Bearer " + RequestBuilder.Mask, [JiraTrace.Header] = "(one per run)" },
        }, null);
    }

    private static (string? Id, PreparedSide? Failure) Render(Template id, JsonObject scope, TemplateLimits limits)
    {
        var rendered = id.Render(scope, limits);
        if (!rendered.Success)
        {
            return (null, Fail(ErrorCategories.TemplateError, "jiraAttachment: " + TemplateCompilation.Describe(rendered.Error!)));
        }

        var value = rendered.Output!.Trim();
        return IsId(value)
            ? (value, null)
            : (null, Fail(ErrorCategories.AttachmentMissing, "jiraAttachment: did not render an attachment id (digits only); does the issue have the attachment?"));
    }

    private static bool IsId(string value) => value.Length is > 0 and <= MaxIdLength && value.All(char.IsAsciiDigit);

    private static PreparedSide Fail(string category, string message) => new(null, null, category, message);
}
