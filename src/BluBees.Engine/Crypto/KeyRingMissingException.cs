namespace BluBees.Engine.Crypto;

/// <summary>
/// The local key ring file is missing while the store holds data keys wrapped under it (see
/// <see cref="LocalKeyRing(string, Func{bool})"/>): a start refuses rather than create a new, empty ring. An
/// <see cref="InvalidOperationException"/> like the other start-up refusals (the ring file unreadable, the database
/// written by a newer release); the operator commands print its message.
/// </summary>
public sealed class KeyRingMissingException(string message) : InvalidOperationException(message);
