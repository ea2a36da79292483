namespace BluBees.Api.Permissions;

/// <summary>
/// <c>DevIssuer:AdminAccountIds</c>: in development mode (<c>DevIssuer:Enabled</c>) these account ids are Jira
/// administrators without asking Jira, so the local UI can change configuration. Ignored unless DevIssuer is enabled.
/// </summary>
internal sealed class DevAdminOptions
{
    public static readonly IReadOnlyList<string> DefaultAdmins = ["dev-admin"];

    public List<string>? AdminAccountIds { get; set; }

    public IReadOnlyList<string> Effective => AdminAccountIds is { Count: > 0 } ids ? ids : DefaultAdmins;
}
