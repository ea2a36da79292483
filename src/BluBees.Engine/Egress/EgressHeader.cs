namespace BluBees.Engine.Egress;

/// <summary>
/// One request header. <see cref="IsCredential"/> marks values that must never leave the origin they were
/// configured for: the guard drops them when a redirect changes scheme, host or port.
/// </summary>
public readonly record struct EgressHeader(string Name, string Value, bool IsCredential = false)
{
    /// <summary>Never prints a value: header values may be secrets or payload.</summary>
    public override string ToString() => $"{Name}: ***";
}
