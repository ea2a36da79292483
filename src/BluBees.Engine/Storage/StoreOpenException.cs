namespace BluBees.Engine.Storage;

/// <summary>
/// The embedded database cannot be used: its file cannot be created or opened, or a newer release wrote it. The
/// message names the setting and the file (never data); the backend stops its start with it, the CLI prints it.
/// </summary>
public sealed class StoreOpenException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
