namespace BluBees.Engine.Egress;

/// <summary>
/// Public: any target. Private: allowed by <see cref="EgressOptions.AllowPrivateNetworks"/> or a range in
/// <see cref="EgressOptions.AllowedNetworks"/>. Forbidden: never by class, only by an allowed range. Metadata (cloud
/// instance metadata endpoints): never, whatever the operator allows.
/// </summary>
internal enum AddressKind
{
    Public,
    Private,
    Forbidden,
    Metadata,
}
