/**
 * The shapes of the graph artifacts enrichments leave in `registry.artifacts` (DGT's, with named fields in place of
 * tuples): for a source tool (qualified name, then input-schema fingerprint) and each namespace, its edges to other
 * tools, best score first.
 */

/** A matched pair of a dataflow edge: an output parameter of the source feeding an input parameter of the target. */
export interface ParameterPair {
  readonly output: string;
  readonly input: string;
  readonly score: number;
}

/** One edge to a tool of the bucket's namespace (`name`, input-schema `fingerprint`). */
export interface GraphEdge {
  readonly name: string;
  readonly fingerprint: string;
  readonly score: number;
}

/** A dataflow edge with every compatible parameter pair, best first (in the reverse index, `output`/`input` are swapped as DGT does). */
export interface DataflowEdge extends GraphEdge {
  readonly pairs: readonly ParameterPair[];
}

/** `index[qualifiedName][fingerprint][namespace]` = edges. */
export type GraphIndex<Edge extends GraphEdge> = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, readonly Edge[]>>>>>>;

/** `registry.artifacts.get('dataflow')`: successors (`out`) and predecessors (`in`). */
export interface DataflowArtifact {
  readonly out: GraphIndex<DataflowEdge>;
  readonly in: GraphIndex<DataflowEdge>;
}

/** `registry.artifacts.get('neighbors')`. */
export type NeighborsArtifact = GraphIndex<GraphEdge>;

/** `registry.artifacts.get('embeddings')`: `[qualifiedName][fingerprint]` = the tool's vector. */
export type EmbeddingsArtifact = Readonly<Record<string, Readonly<Record<string, Float32Array>>>>;
