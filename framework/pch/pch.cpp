// Carrier translation unit for the precompiled LibTorch header.
