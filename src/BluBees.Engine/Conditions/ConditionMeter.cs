using System.Text.Json.Nodes;
using BluBees.Engine.Templates;

namespace BluBees.Engine.Conditions;

/// <summary>
/// Charges one condition's work to the run's <see cref="RunBudget"/> (when the evaluation belongs to a run):
/// one unit per charge plus one per <see cref="TemplateLimits.ScanCharsPerStep"/> characters read, scanned or
/// matched, and the time spent. <c>contains</c> or a regex over a huge field costs its length, so a rule cannot
/// make its conditions do unbounded work; a used-up budget fails the evaluation with its own category.
/// </summary>
internal readonly struct ConditionMeter
{
    private readonly RunBudget? _budget;
    private readonly long _since;
    private readonly string _path;

    private ConditionMeter(RunBudget? budget, string path)
    {
        _budget = budget;
        _since = budget?.Begin() ?? 0;
        _path = path;
    }

    public static ConditionMeter Start(string path) => new(RunBudget.Current, path);

    public void Charge(long chars)
    {
        if (_budget is not null && !_budget.TryCharge(1 + (Math.Max(0, chars) / TemplateLimits.ScanCharsPerStep), _since))
        {
            throw ConditionEvaluationException.BudgetExceeded(_path, _budget.Describe());
        }
    }

    /// <summary>The text of a value (see <see cref="Values.AsText"/>), charged by its length before anyone scans it.</summary>
    public string? Text(JsonNode? node)
    {
        var text = Values.AsText(node);
        Charge(text?.Length ?? 0);
        return text;
    }

    public void End() => _budget?.End(_since);
}
