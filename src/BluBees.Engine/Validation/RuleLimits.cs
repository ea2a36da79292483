namespace BluBees.Engine.Validation;

/// <summary>Hard limits on tenant-authored rules; exceeding one is a precise validation error.</summary>
public static class RuleLimits
{
    public const int MaxSteps = 20;
    public const int MaxRuleBytes = 64 * 1024;
    public const int MaxNameLength = 200;
    public const int MaxListItems = 100;
    public const int MaxHeaders = 30;
    public const int MaxQuery = 30;
    public const int MaxTimeoutSeconds = 60;
    public const int DefaultTimeoutSeconds = 15;
    public const int MaxRulesPerTenant = 500;
}
