"""The symmetry core: groups, representations and equivariant maps.

Both the quantum circuit library and the classical mirror build on this package.
"""

from eqqnn.symmetry._channels import (
    apply_choi,
    choi_from_kraus,
    choi_representation,
    choi_to_kraus,
    cptp_violation,
    equivariant_choi_basis,
    is_cptp,
    twirl_channel,
)
from eqqnn.symmetry._characters import (
    CharacterTable,
    character_table,
    conjugacy_classes,
    isotypic_measures,
    isotypic_projectors,
    measure_twirl,
    partial_twirl,
)
from eqqnn.symmetry._equivariant import (
    equivariant_basis,
    haar_quadrature,
    hermitian_basis,
    orthonormal_span,
    project_onto_span,
    same_span,
    twirl,
    twirl_monte_carlo,
)
from eqqnn.symmetry._group_tables import (
    GroupTable,
    generated_subgroup,
    group_elements,
    group_table,
)
from eqqnn.symmetry._groups import (
    SU2,
    DirectProduct,
    FiniteGroup,
    Group,
    cyclic_group,
    dihedral_group,
    octahedral_group,
    symmetric_group,
)
from eqqnn.symmetry._qubits import (
    apply_qubit_rotation,
    permutation_operator,
    total_spin_operators,
)
from eqqnn.symmetry._real_irreps import RealSpinIrrep, real_basis_change
from eqqnn.symmetry._representations import (
    DirectSum,
    Dual,
    FactorRepresentation,
    MatrixRepresentation,
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    SO3Vector,
    SpinIrrep,
    TensorProduct,
    TrivialRepresentation,
    qubit_representation,
    spin_matrices,
)
from eqqnn.symmetry._schur_weyl import commutant_dimension, su2_commutant_basis
from eqqnn.symmetry._singlet_pairs import append_singlet_pairs
from eqqnn.symmetry._spin_coupling import coupling_isometry, qubit_to_sector, sector_to_qubit
from eqqnn.symmetry._spin_sector import exchange_sector_matrix, sector_ground_states
from eqqnn.symmetry._tableaux import irrep_dimension, tableau_index, two_row_tableaux
from eqqnn.symmetry._young_form import YoungOrthogonalForm, young_orthogonal_form

__all__ = [
    "SU2",
    "CharacterTable",
    "DirectProduct",
    "DirectSum",
    "Dual",
    "FactorRepresentation",
    "FiniteGroup",
    "Group",
    "GroupTable",
    "MatrixRepresentation",
    "OuterProduct",
    "PermutationRepresentation",
    "RealSpinIrrep",
    "RegularRepresentation",
    "Representation",
    "SO3Vector",
    "SpinIrrep",
    "TensorProduct",
    "TrivialRepresentation",
    "YoungOrthogonalForm",
    "append_singlet_pairs",
    "apply_choi",
    "apply_qubit_rotation",
    "character_table",
    "choi_from_kraus",
    "choi_representation",
    "choi_to_kraus",
    "commutant_dimension",
    "conjugacy_classes",
    "coupling_isometry",
    "cptp_violation",
    "cyclic_group",
    "dihedral_group",
    "equivariant_basis",
    "equivariant_choi_basis",
    "exchange_sector_matrix",
    "generated_subgroup",
    "group_elements",
    "group_table",
    "haar_quadrature",
    "hermitian_basis",
    "irrep_dimension",
    "is_cptp",
    "isotypic_measures",
    "isotypic_projectors",
    "measure_twirl",
    "octahedral_group",
    "orthonormal_span",
    "partial_twirl",
    "permutation_operator",
    "project_onto_span",
    "qubit_representation",
    "qubit_to_sector",
    "real_basis_change",
    "same_span",
    "sector_ground_states",
    "sector_to_qubit",
    "spin_matrices",
    "su2_commutant_basis",
    "symmetric_group",
    "tableau_index",
    "total_spin_operators",
    "twirl",
    "twirl_channel",
    "twirl_monte_carlo",
    "two_row_tableaux",
    "young_orthogonal_form",
]
