using BluBees.Api.Infrastructure;
using BluBees.Engine.Support;

namespace BluBees.Api.Support;

/// <summary>The 403 answers of support routes; <c>reason</c> lets the CLI say what to do next.</summary>
internal static class SupportProblems
{
    public static IResult Forbidden(string reason)
    {
        var detail = reason switch
        {
            SupportDenial.Role => "The support token does not carry the role required for support access.",
            SupportDenial.Mfa => "Support access requires multi-factor authentication; sign in again with MFA.",
            SupportDenial.MfaTooOld => "Support access requires a recent multi-factor sign-in, shown by the token's auth_time; sign in again with MFA.",
            _ => "There is no active support grant for this tenant. The tenant's Jira administrator can grant access for a limited time.",
        };
        return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", detail, new Dictionary<string, object?> { ["reason"] = reason });
    }
}
