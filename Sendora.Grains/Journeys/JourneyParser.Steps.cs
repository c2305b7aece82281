using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

internal sealed partial class JourneyParser
{
    private static readonly Dictionary<string, string[]> KeysByStepType = new(StringComparer.Ordinal)
    {
        ["delay"] = ["id", "type", "duration", "next"],
        ["wait_until"] = ["id", "type", "event", "condition", "timeout", "next", "timeout_next"],
        ["time_window"] = ["id", "type", "days", "from", "to", "next"],
        ["branch"] = ["id", "type", "branches", "else"],
        ["random_split"] = ["id", "type", "paths"],
        ["send_email"] = ["id", "type", "template", "subject", "html", "text", "to", "transactional", "next"],
        ["send_push"] = ["id", "type", "template", "title", "body", "data", "transactional", "next"],
        ["send_webhook"] = ["id", "type", "url", "headers", "body", "signing_secret", "next"],
        ["update_trait"] = ["id", "type", "traits", "next"],
        ["exit"] = ["id", "type"],
    };

    private Dictionary<string, JourneyStep> ReadSteps(JsonElement definition)
    {
        const string path = "$.steps";
        var steps = new Dictionary<string, JourneyStep>(StringComparer.Ordinal);
        if (!definition.TryGetProperty("steps", out var array))
        {
            ReportMissing(JsonPath.Root, "steps", $"A journey needs an array of 1 to {JourneyLimits.MaxSteps} steps.");
            return steps;
        }

        if (!ReadArray(array, path, "steps", JourneyLimits.MaxSteps))
        {
            return steps;
        }

        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            if (ReadStep(element, JsonPath.Index(path, index), index) is { } step)
            {
                steps.Add(step.Id, step);
            }

            index++;
        }

        return steps;
    }

    private JourneyStep? ReadStep(JsonElement element, string path, int index)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, "Each step must be an object with 'id' and 'type', such as {\"id\": \"welcome\", "
                + $"\"type\": \"send_email\", \"template\": \"welcome\"}}, not {DefinitionReader.Describe(element)}.");
            _linksComplete = false;
            return null;
        }

        var id = ReadStepId(element, path, index);
        var type = ReadStepType(element, path);
        if (type is null)
        {
            _linksComplete = false;
            return null;
        }

        _reader.CheckKeys(element, path, StepName(type), KeysByStepType[type]);
        var errorsBefore = _reader.ErrorCount;
        var source = new StepSource(element, path, id);
        JourneyStep? step = type switch
        {
            "delay" => ReadDelay(source),
            "wait_until" => ReadWaitUntil(source),
            "time_window" => ReadTimeWindow(source),
            "branch" => ReadBranch(source),
            "random_split" => ReadSplit(source),
            "send_email" => ReadEmail(source),
            "send_push" => ReadPush(source),
            "send_webhook" => ReadWebhook(source),
            "update_trait" => ReadUpdateTrait(source),
            _ => new ExitStep(source.ModelId),
        };
        return id is null || _reader.ErrorCount != errorsBefore ? null : step;
    }

    private string? ReadStepId(JsonElement step, string path, int index)
    {
        if (!step.TryGetProperty("id", out var idElement))
        {
            ReportMissing(path, "id", $"Each step needs an id of {IdRule}.");
            return null;
        }

        var id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : null;
        var idPath = JsonPath.Property(path, "id");
        if (id is null || !IsId(id))
        {
            _reader.Error(idPath, $"'id' must be {IdRule}, not {DefinitionReader.Describe(idElement)}.");
            return null;
        }

        if (_stepPathsById.TryGetValue(id, out var firstPath))
        {
            _reader.Error(idPath, $"The step id \"{id}\" is already used by {firstPath}. Give each step its own id.");
            return null;
        }

        _stepPathsById.Add(id, path);
        _stepNodes.Add(new JourneyGraph.Node(index, path, id));
        return id;
    }

    private string? ReadStepType(JsonElement step, string path)
    {
        var types = DefinitionReader.List(KeysByStepType.Keys);
        if (!step.TryGetProperty("type", out var type))
        {
            ReportMissing(path, "type", $"Each step needs a type, one of: {types}.");
            return null;
        }

        if (type.ValueKind != JsonValueKind.String || !KeysByStepType.ContainsKey(type.GetString()!))
        {
            _reader.Error(JsonPath.Property(path, "type"),
                $"'type' must be one of {types}, not {DefinitionReader.Describe(type)}.");
            return null;
        }

        return type.GetString();
    }

    private DelayStep? ReadDelay(StepSource source)
    {
        var duration = ReadRequiredDuration(
            source.Element, source.Path, "duration", "A delay step needs the time it waits");
        var next = ReadNext(source);
        return duration is null ? null : new DelayStep(source.ModelId, next, duration.Value);
    }

    /// <summary>Checks that <paramref name="element"/> is an array of 1 to <paramref name="max"/> items.</summary>
    /// <returns>Whether the items can be read, which they can even when there are too many.</returns>
    private bool ReadArray(JsonElement element, string path, string key, int max)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            _reader.Error(path, $"'{key}' must be an array of 1 to {max} {key}, not {DescribeArray(element)}.");
            return false;
        }

        if (element.GetArrayLength() > max)
        {
            _reader.Error(path, $"'{key}' has {element.GetArrayLength()} {key}, over the limit of {max}.");
        }

        return true;
    }

    /// <summary>Names a step type with its article, such as "a delay step" or "an exit step".</summary>
    private static string StepName(string type) =>
        (type[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " : "a ") + type + " step";

    private string? ReadNext(StepSource source) => ReadLink(source.Element, source.Path, "next", source.Id);

    /// <summary>Describes a value that should be a non-empty array, saying so when it is an empty one.</summary>
    private static string DescribeArray(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? "an empty array" : DefinitionReader.Describe(element);

    /// <summary>A step object being read: its JSON, its path and its id, or null when the id is invalid.</summary>
    private readonly record struct StepSource(JsonElement Element, string Path, string? Id)
    {
        /// <summary>The id for the step model. An invalid id was reported, so that model is discarded.</summary>
        public string ModelId => Id ?? string.Empty;
    }
}
