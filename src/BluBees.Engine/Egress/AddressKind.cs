namespace BluBees.Engine.Egress;

/// <summary>Public: any target. Private: allowed by <see cref="EgressOptions.AllowPrivateNetworks"/>. Forbidden: never by class.</summary>
internal enum AddressKind
{
    Public,
    Private,
    Forbidden,
}
