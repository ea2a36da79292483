using System.Reflection;

namespace BluBees.Api.Forge;

/// <summary>
/// The Forge system token of a backend call (<c>x-forge-oauth-system</c>, sent when the manifest's remote asks for
/// app-user auth), as a handler parameter. It is a credential for Jira: handed to the run, never logged or stored.
/// A custom binding rather than <c>[FromHeader]</c>, so the header stays out of the OpenAPI document and an empty
/// header means "no token" in one place.
/// </summary>
internal sealed class ForgeSystemToken : IBindableFromHttpContext<ForgeSystemToken>
{
    public const string Header = "x-forge-oauth-system";

    private ForgeSystemToken(string? value) => Value = value;

    /// <summary>The token; null when the header is absent or empty.</summary>
    public string? Value { get; }

    public static ValueTask<ForgeSystemToken?> BindAsync(HttpContext context, ParameterInfo parameter)
        => ValueTask.FromResult<ForgeSystemToken?>(new ForgeSystemToken(context.Request.Headers[Header].ToString() is { Length: > 0 } token ? token : null));
}
