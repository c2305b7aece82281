using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

/// <summary>
/// Checks the links between the steps of a journey: each names an existing step, no run can loop back to a
/// step it has already passed, and every step can be reached from the start.
/// </summary>
internal sealed class JourneyGraph(
    DefinitionReader reader, IReadOnlyList<JourneyGraph.Node> nodes, IReadOnlyList<JourneyGraph.Link> links)
{
    private const string Arrow = " -> ";

    private readonly Dictionary<string, Node> _nodesById = nodes.ToDictionary(node => node.Id, StringComparer.Ordinal);

    /// <summary>
    /// Reports links to missing steps, cycles and, when <paramref name="linksComplete"/> is set, steps that
    /// cannot be reached from <paramref name="startId"/>. Without every link, a reachable step could look
    /// unreachable, so that check is skipped.
    /// </summary>
    public void Check(string? startId, bool linksComplete)
    {
        var edges = nodes.ToDictionary(node => node.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var link in links)
        {
            if (!_nodesById.ContainsKey(link.Target))
            {
                reader.Error(link.Path, $"'{link.Key}' must name a step of this journey, but no step has the id "
                    + $"\"{link.Target}\".");
            }
            else if (link.From is { } from && edges.TryGetValue(from, out var targets))
            {
                targets.Add(link.Target);
            }
        }

        ReportCycles(edges);
        if (linksComplete && startId is not null && _nodesById.ContainsKey(startId))
        {
            ReportUnreachable(edges, startId);
        }
    }

    /// <summary>Walks the steps depth first and reports each link back to a step on the current path.</summary>
    private void ReportCycles(Dictionary<string, List<string>> edges)
    {
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var onPath = new List<string>();
        var positionOnPath = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new Stack<(string Id, int NextEdge)>();
        foreach (var root in nodes)
        {
            if (finished.Contains(root.Id))
            {
                continue;
            }

            // An explicit stack, because a long chain of steps would otherwise recurse once per step.
            Enter(root.Id);
            while (pending.Count > 0)
            {
                var (id, nextEdge) = pending.Pop();
                var targets = edges[id];
                if (nextEdge == targets.Count)
                {
                    finished.Add(id);
                    positionOnPath.Remove(id);
                    onPath.RemoveAt(onPath.Count - 1);
                    continue;
                }

                pending.Push((id, nextEdge + 1));
                var target = targets[nextEdge];
                if (positionOnPath.TryGetValue(target, out var cycleStart))
                {
                    ReportCycle([.. onPath.Skip(cycleStart), target], reported);
                }
                else if (!finished.Contains(target))
                {
                    Enter(target);
                }
            }
        }

        void Enter(string id)
        {
            pending.Push((id, 0));
            positionOnPath[id] = onPath.Count;
            onPath.Add(id);
        }
    }

    /// <summary>Reports a cycle given as the ids along it, starting and ending with the same step.</summary>
    private void ReportCycle(IReadOnlyList<string> stepIds, HashSet<string> reported)
    {
        // Two links from one step to the same earlier step close the same cycle, which is reported once.
        var cycle = string.Join(Arrow, stepIds);
        if (!reported.Add(cycle))
        {
            return;
        }

        var first = stepIds[0];
        reader.Error(_nodesById[first].Path, $"The step \"{first}\" is on a cycle: {cycle}. Steps must not lead "
            + "back to a step the run has already passed. To send a profile through again, let it enter again "
            + "with an entry cooldown or every_time.");
    }

    private void ReportUnreachable(Dictionary<string, List<string>> edges, string startId)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { startId };
        var queue = new Queue<string>([startId]);
        while (queue.TryDequeue(out var id))
        {
            foreach (var target in edges[id])
            {
                if (reached.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        foreach (var node in nodes.Where(node => !reached.Contains(node.Id)))
        {
            reader.Error(node.Path, $"The step \"{node.Id}\" cannot be reached from the start step \"{startId}\". "
                + "Lead to it with a next, else, timeout_next or path, or remove it.");
        }
    }

    /// <summary>A step with a valid, unique id, and the JSON path of its object.</summary>
    public sealed record Node(int Index, string Path, string Id);

    /// <summary>
    /// A reference to step <paramref name="Target"/> under <paramref name="Key"/> at <paramref name="Path"/>.
    /// <paramref name="From"/> is the id of the step it leaves, or null for the journey's <c>start</c> or a
    /// step whose id is invalid.
    /// </summary>
    public sealed record Link(string? From, string Path, string Key, string Target);
}
