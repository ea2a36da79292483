using System.Security.Cryptography;

namespace BluBees.Engine.Crypto;

/// <summary>
/// The local key ring cannot give the key asked for: its file is missing or unreadable, or it no longer holds the
/// key a data key was wrapped under. The keys are down, not the request wrong (the API answers 503 with Retry-After).
/// A <see cref="CryptographicException"/>, so every place that treats an unopenable data key as such still does.
/// </summary>
public sealed class KeyRingUnavailableException(string message) : CryptographicException(message);
