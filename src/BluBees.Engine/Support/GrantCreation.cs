namespace BluBees.Engine.Support;

/// <summary>A grant created, or the limit that refused it (<see cref="SupportGrantStore.CreateAsync"/>).</summary>
public sealed record GrantCreation(SupportGrant? Grant, GrantLimit? Refused);

/// <summary>The per-tenant grant limits (<see cref="SupportGrantStore.MaxActive"/>, <see cref="SupportGrantStore.MaxPerWindow"/>).</summary>
public enum GrantLimit
{
    /// <summary>As many active grants as <see cref="SupportGrantStore.MaxActive"/>: revoke one first.</summary>
    Active,

    /// <summary>As many grants created within <see cref="SupportGrant.MaxHours"/> as <see cref="SupportGrantStore.MaxPerWindow"/>.</summary>
    PerWindow,
}
