namespace BluBees.Engine.Steps.Ai;

/// <summary>Bounds of an <c>ai.chat</c> step, shared by the compiler and the docs.</summary>
internal static class AiStepLimits
{
    public const int DefaultMaxTokens = 1024;
    public const int MaxMaxTokens = 64_000;
    public const double MaxTemperature = 2.0;
    public const int MaxModelLength = 200;

    /// <summary>Model calls take longer than plain HTTP calls: a longer default.</summary>
    public const int DefaultTimeoutSeconds = 60;

    /// <summary>A rendered prompt (system and user together) larger than this fails the step before anything is sent.</summary>
    public const int MaxPromptChars = 200_000;
}
