namespace BluBees.Engine.Connections;

/// <summary>
/// A step's connection was saved by a later build (a member this build does not know: a rollback after a deploy). Its
/// credentials and hosts decide where a secret goes, so it is not read leniently: the step fails
/// <see cref="Execution.ErrorCategories.ConnectionSavedByNewerVersion"/> (a dry run names it) until the admin saves the
/// connection again. Carries the connection's id only, never its content.
/// </summary>
public sealed class ConnectionSavedByNewerVersionException(string connectionId)
    : Exception($"Connection '{connectionId}' was saved by a newer version of BluBees, which this version cannot read.")
{
    public string ConnectionId { get; } = connectionId;
}
