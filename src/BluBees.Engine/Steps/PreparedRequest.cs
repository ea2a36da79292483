using BluBees.Engine.Egress;

namespace BluBees.Engine.Steps;

/// <summary>A fully rendered request, ready for the egress guard (or for display, masked, in a dry run).</summary>
internal sealed record PreparedRequest(string Method, Uri Url, IReadOnlyList<EgressHeader> Headers, byte[]? Body, string? ContentType)
{
    /// <summary>The connection's credential scope (its base URL), which a redirect must stay inside to keep the credential.</summary>
    public CredentialScope? CredentialScope { get; init; }

    /// <summary>The query parameter that carries the connection's credential, when it is placed in the query.</summary>
    public string? CredentialParameter { get; init; }
}

/// <summary>
/// Why a request could not be built: a closed category, a message free of customer data, and the step's property whose
/// value failed when one did (<c>path</c>, <c>headers.X-Trace</c>, <c>body.fields.summary</c>; a name of the rule, never a value).
/// </summary>
internal sealed record BuildFailure(string Category, string Message, string? Field = null);
