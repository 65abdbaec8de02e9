/** Version of the engine that produced a result; recorded in every summary. Kept equal to package.json (tested). */
export const ENGINE_VERSION = '0.1.0';
