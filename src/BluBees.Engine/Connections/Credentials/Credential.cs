using BluBees.Engine.Egress;

namespace BluBees.Engine.Connections.Credentials;

/// <summary>Where a credential travels: a request header, or (apiKey in query only) a query parameter.</summary>
internal enum CredentialPlacement
{
    Header,
    Query,
}

/// <summary>
/// What a request sends to prove who it is: a header (or query parameter) name and its complete value, e.g.
/// <c>Authorization: Bearer &lt;access token&gt;</c>. Only <see cref="ICredentialSource"/> makes these from a connection;
/// every step kind attaches them as they are. Never printed.
/// </summary>
internal sealed record Credential(CredentialPlacement In, string Name, string Value)
{
    /// <summary>The OAuth 2.0 access token inside <see cref="Value"/>, so a 401 can drop exactly that token.</summary>
    internal string? AccessToken { get; init; }

    /// <summary>The header to send, flagged as a credential (dropped on a redirect to another origin, masked in previews).</summary>
    public EgressHeader ToHeader() => new(Name, Value, IsCredential: true);

    public override string ToString() => $"Credential {{ In = {In}, Name = {Name}, Value = *** }}";
}

/// <summary>A connection's credential (null for <c>none</c>), or the failure category why there is none to send.</summary>
internal readonly record struct CredentialResult(Credential? Credential, string? Category)
{
    public bool Failed => Category is not null;

    public static CredentialResult Fail(string category) => new(null, category);

    public override string ToString() => Failed ? $"CredentialResult {{ Category = {Category} }}" : "CredentialResult { *** }";
}
