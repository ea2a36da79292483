namespace BluBees.Api.Dev;

/// <summary>
/// Configuration section <c>DevIssuer</c>. Enabled by default in the Development environment only; it makes
/// the backend trust tokens signed by its own development key and serve <c>/dev/*</c>.
/// </summary>
internal sealed class DevOptions
{
    public const string Section = "DevIssuer";

    public bool Enabled { get; set; }

    /// <summary>Tenant used when a development token request names none.</summary>
    public string DefaultTenantId { get; set; } = "ari:cloud:ecosystem::installation/00000000-0000-4000-8000-0000000dev01";

    public string DefaultCloudId { get; set; } = "00000000-0000-4000-8000-00000000c10d";

    public string DefaultApiBaseUrl { get; set; } = "https://api.atlassian.com/ex/jira/00000000-0000-4000-8000-00000000c10d";
}
