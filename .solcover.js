// solidity-coverage settings: test-only mocks are not part of the measured contracts.
module.exports = {
  skipFiles: ["test/"],
  configureYulOptimizer: false,
};
