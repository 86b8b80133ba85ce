/** Curation of a training set from the workspace's traces (issue 14, section 6). Plain Node: no vscode. */
export * from './rank';
export * from './curate';
