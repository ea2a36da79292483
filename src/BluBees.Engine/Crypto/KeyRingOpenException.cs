namespace BluBees.Engine.Crypto;

/// <summary>
/// The local key ring file cannot be created or read where <c>Keys:LocalKeyFile</c> points (a directory that cannot be
/// made, no permission). Like <see cref="Storage.StoreOpenException"/>, the message names the setting and the file
/// (never key material); the backend stops its start with it.
/// </summary>
public sealed class KeyRingOpenException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
