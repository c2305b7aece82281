using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

internal sealed partial class JourneyParser
{
    private BranchStep ReadBranch(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        var paths = new List<BranchPath>();
        var branchesPath = JsonPath.Property(path, "branches");
        if (!element.TryGetProperty("branches", out var branches))
        {
            ReportMissing(path, "branches", $"A branch step needs an array of 1 to {JourneyLimits.MaxBranches} "
                + "branches, such as [{\"condition\": {...}, \"next\": \"vip\"}].");
        }
        else if (ReadArray(branches, branchesPath, "branches", JourneyLimits.MaxBranches))
        {
            var index = 0;
            foreach (var branch in branches.EnumerateArray())
            {
                if (ReadBranchPath(branch, JsonPath.Index(branchesPath, index++), source.Id) is { } parsed)
                {
                    paths.Add(parsed);
                }
            }
        }

        var elseNext = ReadLink(element, path, "else", source.Id);
        return new BranchStep(source.ModelId, paths, elseNext);
    }

    private BranchPath? ReadBranchPath(JsonElement branch, string path, string? stepId)
    {
        if (branch.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, "Each branch must be an object such as {\"condition\": {...}, \"next\": \"vip\"}, "
                + $"not {DefinitionReader.Describe(branch)}.");
            return null;
        }

        _reader.CheckKeys(branch, path, "a branch", ["condition", "next"]);
        string? conditionJson = null;
        if (branch.TryGetProperty("condition", out var condition))
        {
            conditionJson = ReadCondition(condition, JsonPath.Property(path, "condition"));
        }
        else
        {
            ReportMissing(path, "condition", "A branch needs the audience condition a profile must match to take it.");
        }

        var next = ReadLink(branch, path, "next", stepId);
        return conditionJson is null ? null : new BranchPath(conditionJson, next);
    }

    private SplitStep? ReadSplit(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        var pathsPath = JsonPath.Property(path, "paths");
        if (!element.TryGetProperty("paths", out var paths))
        {
            ReportMissing(path, "paths", $"A random_split step needs an array of 1 to {JourneyLimits.MaxSplitPaths} "
                + "paths, such as [{\"percent\": 50, \"next\": \"a\"}, {\"percent\": 50, \"next\": \"b\"}].");
            return null;
        }

        if (!ReadArray(paths, pathsPath, "paths", JourneyLimits.MaxSplitPaths))
        {
            return null;
        }

        var parsed = new List<SplitPath>();
        var index = 0;
        foreach (var splitPath in paths.EnumerateArray())
        {
            if (ReadSplitPath(splitPath, JsonPath.Index(pathsPath, index++), source.Id) is { } valid)
            {
                parsed.Add(valid);
            }
        }

        // A sum is only meaningful when every percent could be read.
        var total = parsed.Sum(p => p.Percent);
        if (parsed.Count == paths.GetArrayLength() && total != 100)
        {
            _reader.Error(pathsPath, $"The percents of 'paths' add up to {total}, but must add up to exactly 100.");
        }

        return new SplitStep(source.ModelId, parsed);
    }

    private SplitPath? ReadSplitPath(JsonElement splitPath, string path, string? stepId)
    {
        if (splitPath.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, "Each path must be an object such as {\"percent\": 50, \"next\": \"a\"}, "
                + $"not {DefinitionReader.Describe(splitPath)}.");
            return null;
        }

        _reader.CheckKeys(splitPath, path, "a split path", ["percent", "next"]);
        var next = ReadLink(splitPath, path, "next", stepId);
        if (!splitPath.TryGetProperty("percent", out var percentElement))
        {
            ReportMissing(path, "percent",
                "A split path needs the percent of profiles that take it, a whole number from 1 to 100.");
            return null;
        }

        var percentPath = JsonPath.Property(path, "percent");
        return _reader.TryReadWholeNumber(percentElement, percentPath, "percent", 1, 100, out var percent)
            ? new SplitPath(percent, next)
            : null;
    }
}
