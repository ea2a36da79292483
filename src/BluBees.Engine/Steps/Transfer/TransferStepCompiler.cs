using System.Globalization;
using BluBees.Engine.Rules;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// Validates and compiles a transfer step. Each side compiles with <see cref="HttpStepCompiler"/>, so the
/// connection, URL, header and credential-scope rules of <c>http</c> steps hold for both.
/// </summary>
public static class TransferStepCompiler
{
    public static CompiledTransferStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
    {
        var before = errors.Count;
        foreach (var (field, set) in new (string, bool)[]
        {
            ("connection", step.Connection is not null), ("method", step.Method is not null), ("path", step.Path is not null),
            ("url", step.Url is not null), ("headers", step.Headers is not null), ("query", step.Query is not null),
        })
        {
            if (set)
            {
                errors.Add($"{path}.{field}", "belongs in 'source' or 'destination' in a transfer step");
            }
        }

        if (step.Body is not null)
        {
            errors.Add(path + ".body", "a transfer step sends the source's body; it has no body of its own");
        }

        var source = Side(step, step.Source, path + ".source", "GET", TransferLimits.SourceMethods, context, errors);
        var destination = Side(step, step.Destination, path + ".destination", "PUT", TransferLimits.DestinationMethods, context, errors);

        if (step.MaxBytes is < 1 or > TransferLimits.HardMaxBytes)
        {
            errors.Add(path + ".maxBytes", string.Create(CultureInfo.InvariantCulture, $"must be from 1 to {TransferLimits.HardMaxBytes}"));
        }

        var timeout = step.TimeoutSeconds ?? TransferLimits.DefaultTimeoutSeconds;
        if (timeout is < 1 or > TransferLimits.MaxTimeoutSeconds)
        {
            errors.Add(path + ".timeoutSeconds", $"must be from 1 to {TransferLimits.MaxTimeoutSeconds}");
        }

        if (step.OnError is not (null or "stop" or "continue"))
        {
            errors.Add(path + ".onError", "must be 'stop' or 'continue'");
        }

        return errors.Count > before || source is null || destination is null
            ? null
            : new CompiledTransferStep(step.Id!, source, destination, step.MaxBytes, TimeSpan.FromSeconds(timeout), step.OnError == "continue");
    }

    private static CompiledHttpStep? Side(
        StepDefinition step, TransferEndpointDefinition? side, string path, string defaultMethod, IReadOnlySet<string> methods,
        StepCompileContext context, ValidationErrors errors)
    {
        if (side is null)
        {
            errors.Add(path, "is required");
            return null;
        }

        var method = side.Method ?? defaultMethod;
        if (!methods.Contains(method))
        {
            errors.Add(path + ".method", $"'{method}' is not allowed here: use one of {string.Join(", ", methods.Order(StringComparer.Ordinal))}");
            return null;
        }

        var asHttp = new StepDefinition
        {
            Id = step.Id,
            Type = CompiledHttpStep.KindName,
            Connection = side.Connection,
            Method = method,
            Path = side.Path,
            Url = side.Url,
            Headers = side.Headers,
            Query = side.Query,
        };
        return HttpStepCompiler.Compile(asHttp, path, context.Connections, context.Egress, context.Limits, errors);
    }
}
