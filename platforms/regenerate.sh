#!/bin/sh
# Regenerates every platform file committed under platforms/ (see platforms/README.md).
# Usage: platforms/regenerate.sh [path/to/chimera-sim]   (default: build/chimera-sim)
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-build/chimera-sim}
gen() { out=$1; shift; "$BIN" platform gen "$@" -o "platforms/$out" >/dev/null; echo "platforms/$out"; }

# The research's interconnects (shared/data/isca25/network-cfg/): synthetic and E2E sizes,
# then the 64-node scaling variants.
gen isca25/mesh2d-5x5.xml      mesh2d  --k 5   # synthetic mesh_5_2_50_100, e2e dojo
gen isca25/torus2d-4x4.xml     torus2d --k 4   # synthetic torus_4_2_50_100, e2e tpuv3
gen isca25/torus3d-2x2x2.xml   torus3d --k 2   # synthetic torus3d_2_3_50_100, e2e tpuv4
gen isca25/dgx2-2x8.xml        dgx2    --c 8   # synthetic dgx2_8_2_50_100, e2e a100
gen isca25/mesh2d-8x8.xml      mesh2d  --k 8   # dojo_scaling
gen isca25/torus2d-8x8.xml     torus2d --k 8   # tpuv3_scaling
gen isca25/torus3d-4x4x4.xml   torus3d --k 4   # tpuv4_scaling
gen isca25/dgx2-2x32.xml       dgx2    --c 32  # a100_scaling
# the improved (concurrent) halving-doubling beside the research's serial one
gen isca25/dgx2-2x8-concurrent.xml  dgx2 --c 8  --collective-algorithm halving-doubling
gen isca25/dgx2-2x32-concurrent.xml dgx2 --c 32 --collective-algorithm halving-doubling
# ns-3 variants of the synthetic sizes (fidelity runs pick <name>-ns3.xml beside <name>.xml)
gen isca25/mesh2d-5x5-ns3.xml    mesh2d  --k 5 --ns3
gen isca25/torus2d-4x4-ns3.xml   torus2d --k 4 --ns3
gen isca25/torus3d-2x2x2-ns3.xml torus3d --k 2 --ns3
gen isca25/dgx2-2x8-ns3.xml      dgx2    --c 8 --ns3

# Single nodes.
# The fidelity study's flow-level references for their ns-3 twins: plain flows, full link rates.
gen nvswitch-a100-8.xml        nvswitch --preset a100 --collective-model flows --payload-efficiency 1
gen pcie-2socket-8gpu.xml      pcie --host-preset a100 --collective-model flows   # the tree with peer-to-peer (data-centre GPUs)
# NCCL's collective model (collectives/nccl_model.hpp), NVLink at NCCL Simple's measured share.
gen nvswitch-h100-8.xml        nvswitch --preset h100
gen pcie-2socket-8gpu-nop2p.xml pcie --no-p2p --host-preset rtx4080   # the research's 8 x RTX 4080 machine
gen pcie-2socket-8gpu-ns3.xml  pcie --host-preset a100 --ns3       # (no-P2P has no ns-3 variant: see platforms/README.md)
gen nvswitch-a100-8-ns3.xml    nvswitch --preset a100 --no-contention --ns3   # for ns-3 spot checks
gen nvswitch-h20-8.xml         nvswitch --preset h20 --host-preset h20   # the research's NVSwitch warning (8 x H20); no contention
gen nvswitch-h20-8-nocontention.xml nvswitch --preset h20 --host-preset h20 --no-contention   # the same, named for old references
# receiving-port contention curves for the real-machine study's sensitivity (results/isca25/README.md);
# no measurement supports any of them, so none is a default
gen isca25/contention/nvswitch-h20-floor-0.5.xml  nvswitch --preset h20 --host-preset h20 --contention --contention-floor 0.5
gen isca25/contention/nvswitch-h20-floor-0.35.xml nvswitch --preset h20 --host-preset h20 --contention --contention-floor 0.35
gen isca25/contention/nvswitch-h20-floor-0.2.xml  nvswitch --preset h20 --host-preset h20 --contention --contention-floor 0.2

# Multi-node.
gen cluster-h100-1024.xml      cluster --nodes 128 --preset h100   # 128 x 8 H100, rail units of 32
gen piz-daint.xml              dragonfly                            # Cray XC50, one P100 per node
