namespace BluBees.Engine.Rules;

/// <summary>
/// Why a stored rule version does not compile on this build (a closed list: the tag of
/// <c>blubees.rules.not_compilable</c> and the reason in its warning; never the rule's content).
/// </summary>
public static class NotCompilableReasons
{
    /// <summary>It reads, but the compiler refuses it (a time zone gone from tzdata, a template or check made stricter).</summary>
    public const string Invalid = "invalid";

    /// <summary>It does not read as this build's rule version (a member a later build added).</summary>
    public const string Unreadable = "unreadable";

    /// <summary>The rule's stored summary (its head) does not read as this build's (a member a later build added): left out of the event path's list.</summary>
    public const string UnreadableHead = "unreadable_head";
}
