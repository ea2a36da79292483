using System.Globalization;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// Validates and compiles a transfer step. Each side compiles with <see cref="HttpStepCompiler"/>, so the
/// connection, URL, header and credential-scope rules of <c>http</c> steps hold for both. A source may instead be
/// a Jira attachment (<c>"source": {"jiraAttachment": "..."}</c>), compiled by <see cref="JiraAttachmentSource"/>.
/// </summary>
internal static class TransferStepCompiler
{
    public static CompiledTransferStep? Compile(TransferStepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
    {
        var before = errors.Count;
        var jiraAttachment = step.Source?.JiraAttachment is not null ? JiraAttachmentSource.Compile(step.Source, path + ".source", context.Limits, errors) : null;
        var source = jiraAttachment is null && step.Source?.JiraAttachment is null
            ? Side(step, step.Source, path + ".source", "GET", TransferLimits.SourceMethods, context, errors)
            : null;
        if (step.Destination?.JiraAttachment is not null)
        {
            errors.Add(path + ".destination.jiraAttachment", "is only allowed on the source: a transfer streams a Jira attachment out, not in");
        }

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

        return errors.Count > before || (source is null && jiraAttachment is null) || destination is null
            ? null
            : new CompiledTransferStep(step.Id!, source, jiraAttachment, destination, step.MaxBytes, TimeSpan.FromSeconds(timeout), step.OnError == "continue");
    }

    private static CompiledHttpStep? Side(
        TransferStepDefinition step, TransferEndpointDefinition? side, string path, string defaultMethod, IReadOnlySet<string> methods,
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

        var asHttp = new HttpStepDefinition
        {
            Id = step.Id,
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
