using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>Refuses to start with support access half configured: every message names the key to set.</summary>
internal sealed class SupportOptionsValidator : IValidateOptions<SupportOptions>
{
    public ValidateOptionsResult Validate(string? name, SupportOptions o)
    {
        var errors = new List<string>();
        if (o.AuditRetentionDays is < 1 or > 3650)
        {
            errors.Add("Support:AuditRetentionDays must be from 1 to 3650.");
        }

        if (!o.Enabled)
        {
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        if (string.IsNullOrWhiteSpace(o.Issuer))
        {
            errors.Add("Support:Issuer (env Support__Issuer) is required when Support:Enabled is true: the identity provider's 'iss'.");
        }

        if (string.IsNullOrWhiteSpace(o.Audience))
        {
            errors.Add("Support:Audience (env Support__Audience) is required when Support:Enabled is true: the 'aud' of support tokens.");
        }

        if (!Uri.TryCreate(o.JwksUrl, UriKind.Absolute, out var jwks))
        {
            errors.Add("Support:JwksUrl (env Support__JwksUrl) is required when Support:Enabled is true: an absolute https URL.");
        }
        else if (jwks.Scheme != Uri.UriSchemeHttps && !(jwks.Scheme == Uri.UriSchemeHttp && jwks.IsLoopback))
        {
            errors.Add("Support:JwksUrl must use https (http is accepted for a loopback host only).");
        }

        if (string.IsNullOrWhiteSpace(o.RoleClaim))
        {
            errors.Add("Support:RoleClaim must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(o.RequiredRole))
        {
            errors.Add("Support:RequiredRole must not be empty.");
        }

        if (o.ClockSkewSeconds is < 0 or > 60)
        {
            errors.Add("Support:ClockSkewSeconds must be from 0 to 60.");
        }

        if (o.JwksCacheSeconds is < 60 or > 86400 || o.JwksRefreshCooldownSeconds is < 1 or > 3600 || o.MaxTokenLength is < 512 or > 65536)
        {
            errors.Add("Support:JwksCacheSeconds (60..86400), Support:JwksRefreshCooldownSeconds (1..3600) and Support:MaxTokenLength (512..65536) are out of range.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
