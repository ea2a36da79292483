namespace BluBees.Api.Permissions;

/// <summary>
/// Endpoint metadata: a POST/PUT/PATCH/DELETE under <c>/api</c> that any user of the app may call (it changes no
/// configuration), exempt from the administrator check. Add it with <c>.WithMetadata(AnyUserMayWrite.Instance)</c>.
/// </summary>
public sealed class AnyUserMayWrite
{
    public static readonly AnyUserMayWrite Instance = new();

    private AnyUserMayWrite()
    {
    }
}
